/**
 * A modelled client: the real balancer (made by its registered factory, seeded, reading
 * the virtual clock) over its endpoints — one per node of its subset, offered once the
 * node has joined — and the pick context a client passes for a first attempt.
 */
import type { Balancer, Endpoint, PickContext } from '../balancer/balancer.js';
import type { SimEndpoint } from './sim-endpoint.js';
import type { SimEvent } from './event-queue.js';

/** A simulated client (see the file's opening comment). */
export class SimClient implements SimEvent {
  at = 0;
  seq = 0;
  /** The endpoints offered to the balancer: those of joined nodes. */
  readonly ready: SimEndpoint[] = [];
  readonly context: PickContext = { path: '/sim.Service/Call', metadata: {}, key: undefined, attempt: 1, tried: [] };

  constructor(
    readonly index: number,
    readonly balancer: Balancer,
    /** Every endpoint of its subset, joined or not. */
    readonly endpoints: readonly SimEndpoint[],
    /** Uniform source of its open-loop arrivals. */
    readonly random: () => number,
    /** Its process's stalls: [start, end) pairs in ms, in order. */
    private stalls: Float64Array = new Float64Array(0),
  ) {}

  /** Replaces its stalls with `pairs` ([start, end) in ms, in order). */
  stallDuring(pairs: Float64Array): void {
    this.stalls = pairs;
  }

  /** When an answer arriving at `t` is taken: at `t`, or when the stall `t` falls in ends. */
  takenAt(t: number): number {
    const stalls = this.stalls;
    let lo = 0;
    let hi = stalls.length >> 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (stalls[2 * mid + 1]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo < stalls.length >> 1 && stalls[2 * lo]! <= t ? stalls[2 * lo + 1]! : t;
  }

  /** Offers the endpoints of nodes that have joined by `now` to the balancer, when that changed. */
  admitJoined(now: number): void {
    const before = this.ready.length;
    this.ready.length = 0;
    for (const e of this.endpoints) if (e.node.joinAtMs <= now) this.ready.push(e);
    if (this.ready.length !== before || before === 0) this.balancer.update(this.ready);
  }

  /** The balancer's pick for a new call. */
  pick(): SimEndpoint | undefined {
    return this.balancer.pick(this.context) as SimEndpoint | undefined;
  }

  /** Tells the balancer how an attempt ended, when it listens. */
  callEnded(endpoint: Endpoint, code: number, latencyMs: number): void {
    this.balancer.onCallEnd?.(endpoint, { code, latencyMs });
  }
}
