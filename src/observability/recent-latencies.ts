/**
 * The latencies of the last attempts (at most `capacity`) with the time each ended, for a
 * live view of how a node's tail moves: a quantile of those within the last `windowMs`. O(1)
 * per sample (two array writes); a quantile sorts at most `capacity` values, when asked.
 * The arrays start empty and double as samples come, up to `capacity` (16 KB at 1,024): a
 * client keeps one per endpoint, and an endpoint that gets few calls should cost little.
 */
export class RecentLatencies {
  private values = new Float64Array(0);
  private endedAt = new Float64Array(0);
  private next = 0;
  private count = 0;

  constructor(
    readonly windowMs = 5000,
    private readonly capacity = 1024,
  ) {}

  /** An attempt of `latencyMs` ended at `now` (ms, monotonic clock). */
  record(latencyMs: number, now: number): void {
    if (this.next === this.values.length) {
      if (this.values.length < this.capacity) this.grow();
      else this.next = 0;
    }
    this.values[this.next] = latencyMs;
    this.endedAt[this.next] = now;
    this.next++;
    if (this.count < this.capacity) this.count++;
  }

  /** Doubles the arrays (from 16, up to `capacity`); they are full and unwrapped, so order is kept. */
  private grow(): void {
    const size = Math.min(this.capacity, Math.max(16, this.values.length * 2));
    const values = new Float64Array(size);
    const endedAt = new Float64Array(size);
    values.set(this.values);
    endedAt.set(this.endedAt);
    this.values = values;
    this.endedAt = endedAt;
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
