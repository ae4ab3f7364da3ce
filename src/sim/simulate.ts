/**
 * `simulate(scenario)`: runs a scenario once per balancer — the real balancers, made by
 * their registered factories (`createBalancer`), seeded and reading the virtual clock,
 * over endpoints whose estimates are the client's own code — and sums each run up:
 * calls/s, latency quantiles, each node group's share, the spread of calls over the nodes
 * (max/mean and coefficient of variation), connections, and herding.
 *
 * What is modelled and what is not, and why the figures can be trusted (the validation
 * against the real loopback benchmark): docs/decisions/0054-simulator-model.md.
 */
import { createBalancer } from '../balancer/registry.js';
import { selectSubset } from '../client/endpoints/subset.js';
import { seededRandom } from '../common/seeded-random.js';
import type { Herding } from './herd-counter.js';
import { type BalancerSpec, checkScenario, type Scenario } from './scenario.js';
import { SimClient } from './sim-client.js';
import { SimEndpoint } from './sim-endpoint.js';
import { SimNode } from './sim-node.js';
import { runOnce } from './sim-run.js';

/** Options of {@link simulate}. */
export interface SimulateOptions {
  /** Called as the runs progress: the share done (0..1) and the balancer being run. */
  readonly onProgress?: (done: number, balancer: string) => void;
}

/** Latency quantiles of a run, ms. */
export interface SimLatency {
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** What one balancer achieved in a scenario. */
export interface BalancerOutcome {
  /** The balancer's label (its name, or the label given in the scenario). */
  readonly balancer: string;
  /** Calls started in the measurement, and how many failed. */
  readonly calls: number;
  readonly failed: number;
  /** Successful calls per second of the measurement (its drain included, as the real loop counts). */
  readonly callsPerSecond: number;
  readonly latencyMs: SimLatency;
  /** Share of the measured calls per node group, by group name. */
  readonly shares: Readonly<Record<string, number>>;
  /** Calls per node: the busiest node's over the mean, and the coefficient of variation. */
  readonly spread: { readonly maxOverMean: number; readonly cv: number };
  readonly herding: Herding;
  /** Events the run handled, and the wall time it took, ms. */
  readonly events: number;
  readonly wallMs: number;
}

/** What a scenario gave. */
export interface SimulationResult {
  readonly scenario: string;
  readonly nodes: number;
  readonly clients: number;
  /** Client-to-node connections in all, and per node (most, mean). */
  readonly connections: { readonly total: number; readonly perNodeMax: number; readonly perNodeMean: number };
  readonly outcomes: readonly BalancerOutcome[];
}

/** The balancers run when the scenario names none. */
export const DEFAULT_BALANCERS: readonly BalancerSpec[] = ['roundRobin', 'leastLoad'];

/** Runs `scenario` once per balancer (see the file's opening comment). */
export async function simulate(scenario: Scenario, options: SimulateOptions = {}): Promise<SimulationResult> {
  checkScenario(scenario);
  const seed = scenario.seed ?? 1;
  const specs = (scenario.balancers ?? DEFAULT_BALANCERS).map(specOf);
  for (const spec of specs) createBalancer(spec.name, spec.options); // an unknown name fails before any run
  const groups = scenario.nodes.map((g) => ({ ...g, name: g.name ?? 'node' }));
  const ids = groups.flatMap((g) => Array.from({ length: g.count }, (_, i) => `${g.name}-${i}`));
  const indexOf = new Map(ids.map((id, i) => [id, i]));
  const subsets = Array.from({ length: scenario.clients.count }, (_, client) =>
    scenario.subset === undefined
      ? ids.map((_, i) => i)
      : selectSubset(ids, { ...scenario.subset, client }).map((id) => indexOf.get(id)!),
  );
  const perNode = new Float64Array(ids.length);
  for (const subset of subsets) for (const i of subset) perNode[i]!++;
  const total = subsets.reduce((sum, s) => sum + s.length, 0);
  const phaseMs = (scenario.warmupMs ?? 0) + scenario.durationMs;
  const reports =
    scenario.reports === undefined
      ? undefined
      : { intervalMs: scenario.reports.intervalMs ?? 200, staleMs: scenario.reports.staleMs ?? 0 };
  const latencyDecayMs = scenario.latencyDecayMs ?? 1000;

  const outcomes: BalancerOutcome[] = [];
  for (const [b, spec] of specs.entries()) {
    const started = performance.now();
    const run = await runOnce({
      scenario,
      subsets,
      makeNodes: (random) => {
        let i = 0;
        return groups.flatMap((g) =>
          Array.from({ length: g.count }, () => new SimNode(i, ids[i++]!, g, random, reports)),
        );
      },
      makeClient: (index, nodes, clock) => {
        const balancer = createBalancer(spec.name, {
          ...spec.options,
          random: seededRandom(seed * 1_000_003 + index * 7919 + b),
          now: clock,
        });
        const endpoints = subsets[index]!.map((i) => new SimEndpoint(nodes[i]!, latencyDecayMs, clock));
        const stalls = stallsOf(scenario, seededRandom(seed * 131 + index), 2 * phaseMs);
        return new SimClient(index, balancer, endpoints, seededRandom(seed * 31 + index), stalls);
      },
      onProgress: (virtualMs) =>
        options.onProgress?.((b + Math.min(1, virtualMs / phaseMs)) / specs.length, spec.label),
    });
    const shares: Record<string, number> = {};
    let offset = 0;
    for (const g of groups) {
      let sum = 0;
      for (let i = offset; i < offset + g.count; i++) sum += run.perNode[i]!;
      shares[g.name] = (shares[g.name] ?? 0) + sum / Math.max(1, run.calls);
      offset += g.count;
    }
    outcomes.push({
      balancer: spec.label,
      calls: run.calls,
      failed: run.failed,
      callsPerSecond: ((run.calls - run.failed) * 1000) / Math.max(1e-9, run.elapsedMs),
      latencyMs: {
        p50: run.latency.percentile(50),
        p99: run.latency.percentile(99),
        p999: run.latency.percentile(99.9),
        max: run.latency.max,
      },
      shares,
      spread: spreadOf(run.perNode),
      herding: run.herding,
      events: run.events,
      wallMs: performance.now() - started,
    });
  }
  options.onProgress?.(1, '');
  return {
    scenario: scenario.name,
    nodes: ids.length,
    clients: subsets.length,
    connections: { total, perNodeMax: Math.max(...perNode), perNodeMean: total / ids.length },
    outcomes,
  };
}

function specOf(spec: BalancerSpec): { name: string; label: string; options: Record<string, unknown> } {
  if (typeof spec === 'string') return { name: spec, label: spec, options: {} };
  const options = { ...spec.options };
  // Dynamic weights are recomputed on a real-time timer, which a virtual clock does not drive.
  if (options.dynamic !== undefined && options.dynamic !== false)
    throw new RangeError(
      `simulate: balancer ${spec.name} with dynamic weights is not simulated (its timer runs on real time)`,
    );
  const label =
    spec.label ?? (Object.keys(options).length === 0 ? spec.name : `${spec.name}${JSON.stringify(options)}`);
  return { name: spec.name, label, options };
}

/**
 * A client's random stalls over `horizonMs` (replayed ones are placed by the run): Poisson
 * starts at the scenario's rate, lengths drawn from its samples, as [start, end) pairs; a
 * stall starting inside another extends it.
 */
function stallsOf(scenario: Scenario, random: () => number, horizonMs: number): Float64Array {
  const spec = scenario.clientStalls;
  if (spec === undefined || 'replayMs' in spec || spec.ratePerSecond === 0) return new Float64Array(0);
  const pairs: number[] = [];
  const meanGapMs = 1000 / spec.ratePerSecond;
  for (let t = -meanGapMs * Math.log(1 - random()); t < horizonMs; t += -meanGapMs * Math.log(1 - random())) {
    const end = t + spec.samplesMs[Math.floor(random() * spec.samplesMs.length)]!;
    const last = pairs.length - 1;
    if (last > 0 && t < pairs[last]!) pairs[last] = Math.max(pairs[last]!, end);
    else pairs.push(t, end);
  }
  return Float64Array.from(pairs);
}

/** Max/mean and coefficient of variation of `values`. */
function spreadOf(values: Float64Array): { maxOverMean: number; cv: number } {
  let sum = 0;
  let max = 0;
  for (const v of values) {
    sum += v;
    if (v > max) max = v;
  }
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return mean === 0
    ? { maxOverMean: 0, cv: 0 }
    : { maxOverMean: max / mean, cv: Math.sqrt(squares / values.length) / mean };
}
