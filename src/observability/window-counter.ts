/**
 * Counts of events over a sliding window (e.g. calls in the last 10 s), one or more
 * counters side by side, in fixed time buckets with running totals: adding and reading are
 * O(1) (a step of the window clears the buckets that left it), memory is constant and
 * nothing is allocated per event. Bucket b holds the events at [b, b + 1) · bucketMs; the
 * window is the current, partly elapsed bucket and the full ones before it, so it spans
 * between `windowMs − bucketMs` and `windowMs`. The time is passed in (ms, monotonic clock),
 * so a caller that read the clock once passes that reading to all its counts. The one
 * window count of the client: its endpoints' recent calls, the retry and hedging budgets and
 * the adaptive throttle.
 */
export class WindowCounter {
  /** Bucket by bucket, each bucket's counters side by side. */
  readonly #counts: Float64Array;
  readonly #totals: Float64Array;
  readonly #buckets: number;
  readonly #bucketMs: number;
  /** Index (time / bucketMs) of the newest bucket in the window. */
  #newest = 0;

  /**
   * @param windowMs - length of the window, ms.
   * @param buckets - how many buckets it is kept in.
   * @param counters - how many counters (each added to and read by its index).
   */
  constructor(
    readonly windowMs = 10_000,
    buckets = 10,
    counters = 1,
  ) {
    this.#counts = new Float64Array(buckets * counters);
    this.#totals = new Float64Array(counters);
    this.#buckets = buckets;
    this.#bucketMs = windowMs / buckets;
  }

  /** Counts one event of `counter` at `now`. */
  add(now: number, counter = 0): void {
    const bucket = Math.floor(now / this.#bucketMs);
    if (bucket > this.#newest) this.#advance(bucket);
    // A time read before another caller's can fall behind the window: that event has left it already.
    else if (bucket <= this.#newest - this.#buckets) return;
    this.#counts[(bucket % this.#buckets) * this.#totals.length + counter]!++;
    this.#totals[counter]!++;
  }

  /** Events of `counter` within the window ending at `now` (or at the newest event, if later). */
  total(now: number, counter = 0): number {
    const bucket = Math.floor(now / this.#bucketMs);
    if (bucket > this.#newest) this.#advance(bucket);
    return this.#totals[counter]!;
  }

  /** Moves the window's end to `bucket`, clearing the buckets that left it (at most all of them). */
  #advance(bucket: number): void {
    const counters = this.#totals.length;
    for (let b = Math.max(this.#newest + 1, bucket - this.#buckets + 1); b <= bucket; b++) {
      const at = (b % this.#buckets) * counters;
      for (let c = 0; c < counters; c++) {
        this.#totals[c]! -= this.#counts[at + c]!;
        this.#counts[at + c] = 0;
      }
    }
    this.#newest = bucket;
  }
}
