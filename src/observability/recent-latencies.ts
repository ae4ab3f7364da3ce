/**
 * The latencies of the last attempts (at most `capacity`) with the time each ended, for a
 * live view of how a node's tail moves: a quantile of those within the last `windowMs`. O(1)
 * per sample (two array writes); a quantile sorts at most `capacity` values, when asked.
 */
export class RecentLatencies {
  private readonly values: Float64Array;
  private readonly endedAt: Float64Array;
  private next = 0;
  private count = 0;

  constructor(
    readonly windowMs = 5000,
    capacity = 1024,
  ) {
    this.values = new Float64Array(capacity);
    this.endedAt = new Float64Array(capacity);
  }

  /** An attempt of `latencyMs` ended at `now` (ms, monotonic clock). */
  record(latencyMs: number, now: number): void {
    this.values[this.next] = latencyMs;
    this.endedAt[this.next] = now;
    this.next = this.next + 1 === this.values.length ? 0 : this.next + 1;
    if (this.count < this.values.length) this.count++;
  }

  /** The `q` quantile (0..1) of the samples that ended within the window before `now`; 0 without any. */
  quantile(q: number, now: number): number {
    const recent: number[] = [];
    for (let i = 0; i < this.count; i++) if (now - this.endedAt[i]! <= this.windowMs) recent.push(this.values[i]!);
    if (recent.length === 0) return 0;
    recent.sort((a, b) => a - b);
    return recent[Math.min(recent.length - 1, Math.floor(q * recent.length))]!;
  }
}
