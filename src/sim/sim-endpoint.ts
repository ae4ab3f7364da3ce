/**
 * One node as one simulated client sees it: the same `Endpoint` a real client hands its
 * balancer, its estimates kept by the client's own code (`CallEstimates`: in flight, peak
 * EWMA, floor-EWMA service time) on the virtual clock, and the node's last load report,
 * updated in place as responses arrive (as `LoadReader` does).
 */
import type { Endpoint, LoadReport } from '../balancer/balancer.js';
import { CallEstimates } from '../load/call-estimates.js';
import type { HerdMember } from './herd-counter.js';
import type { NodeReport, SimNode } from './sim-node.js';

/** A report held and updated in place. */
type HeldReport = { -readonly [K in keyof LoadReport]-?: LoadReport[K] };

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});
const NO_METRICS: Readonly<Record<string, number>> = Object.freeze({});

/** A simulated client's endpoint for one modelled node. */
export class SimEndpoint implements Endpoint, HerdMember {
  readonly id: string;
  readonly address: string;
  readonly weight: number;
  readonly zone = '';
  readonly labels = NO_LABELS;
  readonly estimates: CallEstimates;
  herdWindow = -1;
  #report: HeldReport | undefined;

  constructor(
    readonly node: SimNode,
    latencyDecayMs: number,
    now: () => number,
  ) {
    this.id = node.id;
    this.address = node.id;
    this.weight = node.weight;
    this.estimates = new CallEstimates(latencyDecayMs, now);
  }

  get inFlight(): number {
    return this.estimates.inFlight;
  }

  get ewmaLatencyMs(): number {
    return this.estimates.latencyEwma.value;
  }

  get serviceTimeMs(): number {
    return this.estimates.serviceTime.value;
  }

  get load(): LoadReport | undefined {
    return this.#report;
  }

  /** Takes the node's report from a response received at `now`, before the attempt ends (as a client does). */
  takeReport(figures: NodeReport, now: number): void {
    this.#report ??= {
      utilization: 0,
      inFlight: 0,
      ownInFlight: 0,
      qps: 0,
      eps: 0,
      named: NO_METRICS,
      receivedAt: now,
    };
    const held = this.#report;
    held.utilization = figures.utilization;
    held.inFlight = figures.inFlight;
    held.ownInFlight = Math.max(0, this.estimates.inFlight - 1);
    held.qps = figures.qps;
    held.eps = figures.eps;
    held.receivedAt = now;
  }
}
