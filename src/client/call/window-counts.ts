/**
 * A few counters over a sliding window, kept in ten buckets with running totals: adding
 * and reading are O(1) (a bucket step clears what fell out of the window), and nothing
 * is allocated per event. The window covers the current, partly elapsed bucket and the
 * nine before it. Shared by the retry and hedging budgets and the adaptive throttle.
 */
export class WindowCounts {
  readonly #buckets: Float64Array[];
  readonly #totals: Float64Array;
  readonly #bucketMs: number;
  readonly #now: () => number;
  #bucket = 0;
  #bucketStart: number;

  /**
   * @param counters - how many counters (each read and added to by its index).
   * @param windowMs - length of the window, ms.
   * @param now - the clock in ms (injected in tests).
   */
  constructor(counters: number, windowMs: number, now: () => number) {
    this.#buckets = Array.from({ length: BUCKETS }, () => new Float64Array(counters));
    this.#totals = new Float64Array(counters);
    this.#bucketMs = windowMs / BUCKETS;
    this.#now = now;
    this.#bucketStart = now();
  }

  /** Adds one to `counter` now. */
  add(counter: number): void {
    this.advance();
    this.#buckets[this.#bucket]![counter]!++;
    this.#totals[counter]!++;
  }

  /** The window's count of `counter`; call {@link WindowCounts.advance} first to drop what left it. */
  total(counter: number): number {
    return this.#totals[counter]!;
  }

  /** Moves the window to now, clearing the buckets that fell out of it. */
  advance(): void {
    const elapsed = this.#now() - this.#bucketStart;
    if (elapsed < this.#bucketMs) return;
    const steps = Math.floor(elapsed / this.#bucketMs);
    for (let i = 0; i < Math.min(BUCKETS, steps); i++) {
      this.#bucket = (this.#bucket + 1) % BUCKETS;
      const bucket = this.#buckets[this.#bucket]!;
      for (let c = 0; c < bucket.length; c++) {
        this.#totals[c]! -= bucket[c]!;
        bucket[c] = 0;
      }
    }
    this.#bucketStart += steps * this.#bucketMs;
  }
}

const BUCKETS = 10;
