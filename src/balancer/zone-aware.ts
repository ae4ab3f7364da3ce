/**
 * zoneAware — prefer endpoints in the caller's zone; spill the calls the local zone cannot
 * take to the other zones, in proportion.
 *
 * Optimises: cross-zone traffic (latency and transfer cost) without overloading the local
 * zone or stranding calls on a zone that lost nodes. Each pick goes to the local zone with
 * probability
 *
 *   local = min(1, overprovisioning × readyLocal / knownLocal) × min(1, 1 / load)
 *   load  = mean over ready local endpoints of
 *           max(inFlight / maxInFlight, utilization / maxUtilization)
 *
 * and to the other zones otherwise; within a zone the `inner` strategy picks. The first
 * factor is Envoy's priority spillover: a zone whose healthy share times the
 * overprovisioning factor (1.4) is at least 1 keeps all its traffic, below that it keeps
 * that fraction and the rest spills (`knownLocal` counts the local nodes this balancer has
 * seen ready, since it only ever sees ready ones). The second factor spills the excess of
 * an overloaded zone: with the local nodes at 1.5× their in-flight limit, a third of the
 * calls go elsewhere, which brings the local load back to the limit. The load terms that
 * are not configured, and load reports older than 2 s, count as 0. An empty local zone
 * sends everything elsewhere; with no other zone everything stays local.
 *
 * Sources: Envoy "Zone aware routing" and "Priority levels" (overprovisioning factor 1.4,
 * `source/common/upstream/load_balancer_impl.cc`); Finagle's aperture for the idea of
 * keeping load per zone under a target.
 *
 * `pick()` is O(1) plus the inner pick and allocates nothing: the mean local load is kept
 * as a running sum, refreshed one local endpoint per pick (so it follows the load with a
 * lag of one pass over the local endpoints) and recomputed in full once per pass.
 */
import type { Balancer, CallOutcome, Endpoint, PickContext } from './balancer.js';
import { freshLoad } from '../load/load-signals.js';
import { wasTried } from './tried.js';
import { numberAtLeast, outOfRange, positiveNumber } from '../common/option-checks.js';

/** When and how much of the local zone's traffic spills to other zones. */
export interface SpilloverOptions {
  /** Envoy's overprovisioning factor: the healthy local share that still keeps all traffic is 1/this (default 1.4). */
  readonly overprovisioning?: number;
  /** In-flight calls per local endpoint above which calls spill in proportion (default: no limit). */
  readonly maxInFlight?: number;
  /** Reported utilization (0..1) above which calls spill in proportion (default 0.8). */
  readonly maxUtilization?: number;
}

/** Options of {@link zoneAware}. */
export interface ZoneAwareOptions {
  /** The caller's zone (compared with each node's announced `zone`). */
  readonly zone: string;
  readonly spillover?: SpilloverOptions;
  /** Uniform source in [0, 1) for the local/remote draw (default `Math.random`). */
  readonly random?: () => number;
}

/**
 * A balancer preferring the caller's zone. `inner` makes the strategy used within a zone
 * (called twice: one balancer for the local zone, one for the others), e.g.
 * `zoneAware(balancers.leastLoad, { zone: 'eu-1' })`.
 */
export function zoneAware(inner: () => Balancer, options: ZoneAwareOptions): Balancer {
  const zone = options.zone;
  const overprovisioning = options.spillover?.overprovisioning ?? 1.4;
  const maxInFlight = options.spillover?.maxInFlight ?? Number.POSITIVE_INFINITY;
  const maxUtilization = options.spillover?.maxUtilization ?? 0.8;
  numberAtLeast(overprovisioning, 1, 'zoneAware', 'overprovisioning');
  if (!(maxInFlight > 0)) throw outOfRange('zoneAware', 'maxInFlight', '> 0', maxInFlight);
  positiveNumber(maxUtilization, 'zoneAware', 'maxUtilization');
  const draw = options.random ?? Math.random;
  const local = inner();
  const remote = inner();
  if (local === remote)
    throw new TypeError('zoneAware: inner must make a new balancer on every call (pass the factory)');

  const knownLocal = new Set<string>();
  let localEndpoints: readonly Endpoint[] = [];
  let remoteCount = 0;
  let health = 0;
  let loads = new Float64Array(0);
  let loadSum = 0;
  let cursor = 0;

  function loadOf(endpoint: Endpoint): number {
    let load = endpoint.inFlight / maxInFlight;
    const report = freshLoad(endpoint);
    if (report !== undefined) {
      load = Math.max(load, report.utilization / maxUtilization);
    }
    return load;
  }

  function recomputeLoad(): void {
    loadSum = 0;
    for (let i = 0; i < localEndpoints.length; i++) {
      loads[i] = loadOf(localEndpoints[i]!);
      loadSum += loads[i]!;
    }
    cursor = 0;
  }

  /** Refreshes one local endpoint's load; returns the share of calls that stays local. */
  function localShare(): number {
    const n = localEndpoints.length;
    if (n === 0) return 0;
    if (remoteCount === 0) return 1;
    if (cursor === n) recomputeLoad();
    else {
      const fresh = loadOf(localEndpoints[cursor]!);
      loadSum += fresh - loads[cursor]!;
      loads[cursor++] = fresh;
    }
    const load = loadSum / n;
    return load > 1 ? health / load : health;
  }

  return {
    name: `zoneAware(${local.name})`,

    update(list) {
      const here = list.filter((e) => e.zone === zone);
      const elsewhere = list.filter((e) => e.zone !== zone);
      for (const e of here) knownLocal.add(e.id);
      localEndpoints = here;
      remoteCount = elsewhere.length;
      health = knownLocal.size === 0 ? 0 : Math.min(1, (overprovisioning * here.length) / knownLocal.size);
      loads = new Float64Array(here.length);
      recomputeLoad();
      local.update(here);
      remote.update(elsewhere);
    },

    pick(call: PickContext) {
      const preferLocal = draw() < localShare();
      const first = (preferLocal ? local : remote).pick(call);
      if (first !== undefined && (call.tried.length === 0 || !wasTried(call.tried, first))) return first;
      return (preferLocal ? remote : local).pick(call) ?? first;
    },

    onCallEnd(endpoint: Endpoint, outcome: CallOutcome) {
      (endpoint.zone === zone ? local : remote).onCallEnd?.(endpoint, outcome);
    },
  };
}
