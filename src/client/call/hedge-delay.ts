import type { HedgingPolicy } from './hedging-policy.js';

/** Latencies kept: the last this many answered calls of the method. */
const SAMPLES = 512;
/** The percentile is recomputed after this many new samples (a sort of `SAMPLES` values). */
const RECOMPUTE_EVERY = 32;
/** Samples needed before the adaptive delay sends any hedge. */
const MIN_SAMPLES = 64;

/**
 * When to send a method's next hedge. A fixed `delayMs`, or adaptive as Dean & Barroso's
 * "defer the hedge until the request has been outstanding longer than the 95th-percentile
 * expected latency": delay = max(minDelayMs, the `percentile` (default p95) of the last 512
 * answered attempts), so under steady load at most about 5% of calls hedge (fewer: one
 * whose answer is in when its hedge is due sends none, see {@link armHedge}), and fewer
 * when the budget says so. The latency of an answered call is its winning attempt's own, from that
 * attempt's start: the latency to expect of a node that answers. Were it the call's (from
 * its first attempt), every call a stall held would count at about the delay or more, so a
 * stall that hits over 5% of calls would push the percentile, and the delay, up with each
 * stall (measured: 13 ms without stalls, 24–31 ms during them), just when hedges are
 * needed. The percentile is recomputed every 32 samples, so the call path reads a number;
 * until 64 calls have answered, no hedge is sent (a fresh client knows no tail yet).
 */
export class HedgeDelay {
  private readonly samples = new Float64Array(SAMPLES);
  private readonly sorted = new Float64Array(SAMPLES);
  private count = 0;
  private sinceRecompute = 0;
  /** The delay now, ms. */
  value: number;

  constructor(private readonly policy: HedgingPolicy) {
    this.value = policy.delayMs ?? Number.POSITIVE_INFINITY;
  }

  /** A call of the method answered; its winning attempt took `latencyMs` from its own start. */
  record(latencyMs: number): void {
    if (this.policy.delayMs !== undefined) return;
    this.samples[this.count % SAMPLES] = latencyMs;
    this.count++;
    if (++this.sinceRecompute < RECOMPUTE_EVERY || this.count < MIN_SAMPLES) return;
    this.sinceRecompute = 0;
    const n = Math.min(this.count, SAMPLES);
    const sorted = this.sorted.subarray(0, n);
    sorted.set(this.samples.subarray(0, n));
    sorted.sort();
    this.value = Math.max(this.policy.minDelayMs, sorted[Math.min(n - 1, Math.floor(this.policy.percentile * n))]!);
  }
}

/** A method's hedging on one client: its policy and its delay. */
export interface MethodHedging {
  readonly policy: HedgingPolicy;
  readonly delay: HedgeDelay;
}

/** A hedged call or stream, told when its delay has passed. */
export interface HedgeDue {
  hedgeDue(): void;
}

/**
 * Calls `race.hedgeDue()` once `delayMs` has passed and the answers that came meanwhile
 * have been read: the timer only queues the hedge for the event loop's check phase
 * (`setImmediate`), after its poll phase has read the sockets. When the client's own event
 * loop was held (a GC pause, a busy CPU), every timer is late at once, and timers run first
 * in the loop: without this turn, each call in flight would hedge although its answer was
 * already waiting in the socket, a burst of wasted attempts on nodes that were fine.
 * (Module functions, so the timers hold no closure.)
 */
export function armHedge(delayMs: number, race: HedgeDue): NodeJS.Timeout {
  return setTimeout(afterDelay, delayMs, race);
}

function afterDelay(race: HedgeDue): void {
  setImmediate(hedgeNow, race);
}

function hedgeNow(race: HedgeDue): void {
  race.hedgeDue();
}
