/**
 * route — rules choose a subset of the endpoints per call (by method and call metadata),
 * optionally split by weight between subsets; each subset has its own inner balancer.
 *
 * Optimises: control, not load: canary releases (5% of calls to `version=v2`), pinning a
 * tester to a version by header (`x-canary: 1` → all to v2), sending a method to the nodes
 * that serve it best. A subset is the endpoints whose labels include all of the subset's
 * labels (`createServer({ labels })`, or `labels` in the client's endpoint config). Rules
 * are tried in order; the first whose `when` holds decides:
 *
 *   P(subset s | rule) = weight(s) / Σ weights of the rule      (a single name: weight 1)
 *
 * When the drawn subset has no ready endpoint, the rule's other subsets are tried in the
 * order written, so a canary that is down loses its share to the stable version instead of
 * failing calls. When all of a rule's subsets are empty the pick is empty and the call
 * waits for a ready endpoint until its deadline, as any call does: a rule that pins calls
 * to v2 never quietly sends them to v1.
 *
 * Sources: Envoy route weighted_clusters and subset load balancer (label selectors);
 * Istio `VirtualService` (header match, weighted destinations); Linkerd `HTTPRoute` splits.
 *
 * `pick()` is O(rules + conditions + subsets of the rule) plus the inner pick, with
 * everything compiled at construction, and allocates nothing.
 */
import type { Balancer, CallOutcome, Endpoint, PickContext } from './balancer.js';
import { roundRobin } from './round-robin.js';

/** A set of endpoints selected by labels, with the balancer that picks among them. */
export interface RouteSubset {
  /** Endpoints whose labels include all of these (default: every endpoint). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Picks within the subset (default `roundRobin()`); one instance per subset. */
  readonly balancer?: Balancer;
}

/** One routing rule: when it matches a call, `to` says which subset(s) get it. */
export interface RouteRule {
  /** Every condition given must hold; without `when` the rule matches every call. */
  readonly when?: {
    /** Full method path (`/demo.Greeter/SayHello`) or the proto method name (`SayHello`). */
    readonly method?: string;
    /** Call metadata that must be present with these values (keys in lower case). */
    readonly metadata?: Readonly<Record<string, string>>;
  };
  /** A subset name, or subset name → weight for a weighted split (e.g. `{ v1: 95, v2: 5 }`). */
  readonly to: string | Readonly<Record<string, number>>;
}

/** Options of {@link route}. */
export interface RouteOptions {
  /** The subsets by name. */
  readonly subsets: Readonly<Record<string, RouteSubset>>;
  /** Tried in order; the last one must have no `when` (it catches every other call). */
  readonly rules: readonly RouteRule[];
  /** Uniform source in [0, 1) for weighted splits (default `Math.random`). */
  readonly random?: () => number;
}

interface CompiledSubset {
  readonly name: string;
  readonly labels: readonly (readonly [string, string])[];
  readonly balancer: Balancer;
}

interface CompiledRule {
  readonly path: string | undefined;
  readonly methodSuffix: string | undefined;
  readonly metadata: readonly (readonly [string, string])[];
  readonly subsets: readonly Balancer[];
  /** Cumulative weights, ending at the total. */
  readonly cumulative: Float64Array;
}

/** A balancer that routes calls to label subsets by rules, with weighted splits. */
export function route(options: RouteOptions): Balancer {
  const draw = options.random ?? Math.random;
  const subsets = compileSubsets(options.subsets);
  const rules = options.rules.map((rule, i) => compileRule(rule, i, subsets));
  if (rules.length === 0 || options.rules.at(-1)!.when !== undefined) {
    throw new TypeError('route: the last rule must have no `when`, so that every call has a route');
  }
  /** Endpoint id → balancers of the subsets holding it, for feedback. */
  let holders = new Map<string, Balancer[]>();

  function matches(rule: CompiledRule, call: PickContext): boolean {
    if (rule.path !== undefined && call.path !== rule.path) return false;
    if (rule.methodSuffix !== undefined && !call.path.endsWith(rule.methodSuffix)) return false;
    for (let i = 0; i < rule.metadata.length; i++) {
      const [key, value] = rule.metadata[i]!;
      if (call.metadata[key] !== value) return false;
    }
    return true;
  }

  return {
    name: 'route',

    update(list) {
      holders = new Map();
      for (const subset of subsets.values()) {
        const members = list.filter((e) => subset.labels.every(([k, v]) => e.labels[k] === v));
        for (const e of members) holders.set(e.id, [...(holders.get(e.id) ?? []), subset.balancer]);
        subset.balancer.update(members);
      }
    },

    pick(call: PickContext) {
      let r = 0;
      while (!matches(rules[r]!, call)) r++;
      const rule = rules[r]!;
      const count = rule.subsets.length;
      let drawn = 0;
      if (count > 1) {
        const x = draw() * rule.cumulative[count - 1]!;
        while (drawn < count - 1 && x >= rule.cumulative[drawn]!) drawn++;
      }
      const picked = rule.subsets[drawn]!.pick(call);
      if (picked !== undefined) return picked;
      for (let i = 0; i < count; i++) {
        if (i === drawn) continue;
        const other = rule.subsets[i]!.pick(call);
        if (other !== undefined) return other;
      }
      return undefined;
    },

    onCallEnd(endpoint: Endpoint, outcome: CallOutcome) {
      const balancers = holders.get(endpoint.id);
      if (balancers === undefined) return;
      for (const b of balancers) b.onCallEnd?.(endpoint, outcome);
    },
  };
}

function compileSubsets(subsets: RouteOptions['subsets']): Map<string, CompiledSubset> {
  const compiled = new Map<string, CompiledSubset>();
  const seen = new Set<Balancer>();
  for (const [name, subset] of Object.entries(subsets)) {
    const balancer = subset.balancer ?? roundRobin();
    if (seen.has(balancer))
      throw new TypeError(`route: subset "${name}" shares its balancer with another subset; give each its own`);
    seen.add(balancer);
    compiled.set(name, { name, labels: Object.entries(subset.labels ?? {}), balancer });
  }
  return compiled;
}

function compileRule(rule: RouteRule, index: number, subsets: Map<string, CompiledSubset>): CompiledRule {
  const weights = typeof rule.to === 'string' ? { [rule.to]: 1 } : rule.to;
  const entries = Object.entries(weights);
  if (entries.length === 0) throw new TypeError(`route: rule ${index} routes to no subset`);
  const cumulative = new Float64Array(entries.length);
  let total = 0;
  const targets = entries.map(([name, weight], i) => {
    const subset = subsets.get(name);
    if (subset === undefined) {
      throw new TypeError(
        `route: rule ${index} names unknown subset "${name}"; subsets: ${[...subsets.keys()].join(', ')}`,
      );
    }
    if (!(Number.isFinite(weight) && weight >= 0))
      throw new RangeError(`route: rule ${index} gives "${name}" weight ${weight}`);
    total += weight;
    cumulative[i] = total;
    return subset.balancer;
  });
  if (!(total > 0)) throw new RangeError(`route: rule ${index} has a total weight of 0`);
  const method = rule.when?.method;
  const isPath = method?.startsWith('/') ?? false;
  return {
    path: isPath ? method : undefined,
    methodSuffix: method !== undefined && !isPath ? `/${method}` : undefined,
    metadata: Object.entries(rule.when?.metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v] as const),
    subsets: targets,
    cumulative,
  };
}
