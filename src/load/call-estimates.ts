import type { LoadReport } from '../balancer/balancer.js';
import { type DecayingEwma, floorEwma, peakEwma } from './decaying-ewma.js';
import { freshReport, otherCallers } from './load-signals.js';

/**
 * The estimates balancers read of one node, kept from this client's own attempts: calls in
 * flight, the peak-EWMA latency and the floor-EWMA service time per queued call. The part
 * of what a client measures that needs no transport, so that the client's endpoints
 * (`client/endpoints/endpoint-load.ts`) and the simulator's (`sim/sim-endpoint.ts`) keep
 * them with the same code; `now` is the clock both EWMAs read (the simulator's is virtual).
 */
export class CallEstimates {
  /** Attempts in flight now. */
  inFlight = 0;
  /** Attempts given up on before the node answered them, since its last OK answer ({@link CallEstimates.abandon}). */
  unanswered = 0;
  /** Peak-sensitive EWMA of latency, ms. */
  readonly latencyEwma: DecayingEwma;
  /** Floor-tracking EWMA of latency ÷ the queue the call joined: ms per queued call. */
  readonly serviceTime: DecayingEwma;

  /**
   * @param latencyDecayMs - τ of both EWMAs (the client option `latencyDecayMs`).
   * @param now - the clock in ms (default `performance.now()`).
   */
  constructor(latencyDecayMs: number, now?: () => number) {
    this.latencyEwma = peakEwma(latencyDecayMs, now);
    this.serviceTime = floorEwma(latencyDecayMs, now);
  }

  /**
   * An attempt starts at `now` on a node whose last report is `report`; returns the calls
   * queued on the node with it (itself included), as far as this client can tell.
   */
  begin(report: LoadReport | undefined, now: number): number {
    const depth = this.queued + otherCallers(freshReport(report, now)) + 1;
    this.inFlight++;
    return depth;
  }

  /**
   * An attempt that joined a queue of `depth` (itself included) ended after `latencyMs`, at
   * `now`; `answered` says the node answered it (OK, or cancelled by the caller) rather than
   * failed it, `ok` that it answered OK, which also shows the node is not holding the
   * attempts given up on ({@link CallEstimates.abandon}) any more.
   */
  end(answered: boolean, latencyMs: number, now: number, depth: number, ok = answered): void {
    this.inFlight--;
    if (ok) this.unanswered = 0;
    if (answered) {
      this.latencyEwma.observe(latencyMs, now);
      this.serviceTime.observe(latencyMs / depth, now);
    } else {
      // A failure that came back fast must not make the node look cheap: it only ever
      // raises the estimates, so a failing node sheds load.
      this.raise(latencyMs, now, depth);
    }
  }

  /**
   * The client gave up, after `latencyMs`, on an attempt the node had not answered: it lost
   * a hedge race. The node may hold it still, and a frozen node holds every one; were it
   * forgotten, a node whose stuck attempts are all hedged away would look idle and draw the
   * next calls into the same stall. So it stays among the calls a pick counts on the node
   * ({@link CallEstimates.queued}) until the node answers one OK, and its latency, a lower
   * bound of the node's, can only raise the estimates.
   */
  abandon(latencyMs: number, now: number, depth: number): void {
    this.inFlight--;
    this.unanswered++;
    this.raise(latencyMs, now, depth);
  }

  /** The calls a pick counts on the node: attempts in flight, and those given up on unanswered since its last OK. */
  get queued(): number {
    return this.inFlight + this.unanswered;
  }

  private raise(latencyMs: number, now: number, depth: number): void {
    this.latencyEwma.observe(Math.max(latencyMs, this.latencyEwma.value), now);
    this.serviceTime.observe(Math.max(latencyMs / depth, this.serviceTime.value), now);
  }
}
