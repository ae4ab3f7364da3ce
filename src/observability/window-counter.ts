/**
 * Events over a sliding window (e.g. calls in the last 10 s) in fixed time buckets: O(1)
 * per event and constant memory. The count covers the current, partly elapsed bucket plus
 * the full ones before it, so the window is between `windowMs - bucketMs` and `windowMs`.
 */
export class WindowCounter {
  private readonly counts: Float64Array;
  private readonly bucketMs: number;
  /** Index (time / bucketMs) of the newest bucket written. */
  private newest = 0;

  constructor(
    readonly windowMs = 10_000,
    buckets = 10,
  ) {
    this.counts = new Float64Array(buckets);
    this.bucketMs = windowMs / buckets;
  }

  /** Counts one event at `now` (ms, monotonic clock). */
  add(now: number): void {
    const bucket = Math.floor(now / this.bucketMs);
    if (bucket !== this.newest) this.advance(bucket);
    this.counts[bucket % this.counts.length]!++;
  }

  /** Events within the window ending at `now`. */
  total(now: number): number {
    const bucket = Math.floor(now / this.bucketMs);
    const n = this.counts.length;
    let sum = 0;
    // Buckets before time 0 never held events (the clock starts at 0 with the process).
    for (let b = Math.max(0, bucket - n + 1, this.newest - n + 1); b <= Math.min(bucket, this.newest); b++) {
      sum += this.counts[b % n]!;
    }
    return sum;
  }

  /** Clears the buckets between the newest written and `bucket` (at most all of them). */
  private advance(bucket: number): void {
    if (bucket < this.newest) return;
    const n = this.counts.length;
    for (let b = Math.max(this.newest + 1, bucket - n + 1); b <= bucket; b++) this.counts[b % n] = 0;
    this.newest = bucket;
  }
}
