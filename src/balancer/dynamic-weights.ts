/**
 * Weights from the nodes' own load reports, as gRFC A58 (`weighted_round_robin`) computes
 * them, for `weighted({ dynamic: true })`:
 *
 *   weight = qps / (utilization + eps / qps × errorUtilizationPenalty)
 *
 * qps / utilization is the rate the node would serve at full utilization: its capacity,
 * measured (a node that answers quickly but burns its CPU gets less; one that fails a lot
 * is charged for its errors). A report with qps or utilization 0 says nothing and is
 * skipped. A weight is used only after it has been non-empty for `blackoutPeriodMs` (a
 * node's first reports, taken on little traffic, are unreliable) and until it is older
 * than `weightExpirationMs` (a node that stopped reporting is no longer trusted; its
 * blackout starts over when reports return). Nodes without a usable weight get the mean
 * of the others'; while no node has one, the static weights stand.
 *
 * Reports arrive with responses (`Endpoint.load`); the balancer reads them on its timer
 * (`weightUpdatePeriodMs`), as A58's picker is rebuilt on its own timer, so a pick never
 * pays for them.
 *
 * Sources: gRFC A58 "weighted_round_robin LB policy"; grpc-go
 * `balancer/weightedroundrobin/balancer.go` (endpointWeight: blackout, expiry, penalty).
 */
import type { Endpoint, LoadReport } from './balancer.js';
import { numberAtLeast } from '../common/option-checks.js';

/** A58's knobs (`weighted({ dynamic: { ... } })`); the defaults are A58's. */
export interface DynamicWeightOptions {
  /** A node's weight is used only once it has been reported this long, ms (default 10 000). */
  readonly blackoutPeriodMs?: number;
  /** A weight not refreshed by a report for this long is dropped, ms (default 180 000). */
  readonly weightExpirationMs?: number;
  /** How often weights are recomputed from the latest reports, ms (default 1000, at least 100). */
  readonly weightUpdatePeriodMs?: number;
  /** How much a node's error rate counts as utilization (default 1). */
  readonly errorUtilizationPenalty?: number;
}

interface NodeWeight {
  weight: number;
  /** When the current run of non-empty weights began (undefined: none). */
  nonEmptySince: number | undefined;
  lastUpdated: number;
  /** `receivedAt` of the last report read, so a report is counted once. */
  lastReport: number;
}

/** A58's weight of one report; 0 when it says nothing. */
export function reportWeight(load: LoadReport, errorUtilizationPenalty: number): number {
  const qps = load.qps;
  let utilization = load.utilization;
  if (!(qps > 0) || !(utilization > 0)) return 0;
  utilization += (load.eps / qps) * errorUtilizationPenalty;
  return qps / utilization;
}

/** Per-node weights learnt from load reports, kept across membership changes by node id. */
export class DynamicWeights {
  readonly updatePeriodMs: number;
  private readonly blackoutMs: number;
  private readonly expirationMs: number;
  private readonly penalty: number;
  private readonly nodes = new Map<string, NodeWeight>();

  constructor(options: DynamicWeightOptions) {
    this.blackoutMs = nonNegative(options.blackoutPeriodMs ?? 10_000, 'blackoutPeriodMs');
    this.expirationMs = nonNegative(options.weightExpirationMs ?? 180_000, 'weightExpirationMs');
    this.updatePeriodMs = Math.max(100, nonNegative(options.weightUpdatePeriodMs ?? 1000, 'weightUpdatePeriodMs'));
    this.penalty = nonNegative(options.errorUtilizationPenalty ?? 1, 'errorUtilizationPenalty');
  }

  /**
   * The weights to schedule `endpoints` by at `now` (after reading their latest reports),
   * into `out`; endpoints that left are forgotten, so one that returns starts its blackout
   * again.
   */
  compute(endpoints: readonly Endpoint[], now: number, out: Float64Array): void {
    const present = new Set<string>();
    let sum = 0;
    let known = 0;
    for (let i = 0; i < endpoints.length; i++) {
      const endpoint = endpoints[i]!;
      present.add(endpoint.id);
      const w = this.usable(endpoint, now);
      out[i] = w;
      if (w > 0) {
        sum += w;
        known++;
      }
    }
    for (const id of this.nodes.keys()) if (!present.has(id)) this.nodes.delete(id);
    const mean = known === 0 ? 0 : sum / known;
    for (let i = 0; i < endpoints.length; i++) {
      if (out[i]! > 0) continue;
      out[i] = known === 0 ? endpoints[i]!.weight : mean;
    }
  }

  /** The node's weight if A58 would use it now, else 0. */
  private usable(endpoint: Endpoint, now: number): number {
    let node = this.nodes.get(endpoint.id);
    if (node === undefined) {
      node = { weight: 0, nonEmptySince: undefined, lastUpdated: 0, lastReport: Number.NaN };
      this.nodes.set(endpoint.id, node);
    }
    const load = endpoint.load;
    if (load !== undefined && load.receivedAt !== node.lastReport) {
      node.lastReport = load.receivedAt;
      const w = reportWeight(load, this.penalty);
      if (w > 0) {
        node.nonEmptySince ??= load.receivedAt;
        node.lastUpdated = load.receivedAt;
        node.weight = w;
      }
    }
    if (node.nonEmptySince === undefined) return 0;
    if (now - node.lastUpdated >= this.expirationMs) {
      node.nonEmptySince = undefined;
      return 0;
    }
    if (now - node.nonEmptySince < this.blackoutMs) return 0;
    return node.weight;
  }
}

function nonNegative(value: number, name: string): number {
  return numberAtLeast(value, 0, 'weighted', `dynamic.${name}`);
}
