import hdr from 'hdr-histogram-js';

/** Latency percentiles in ms. */
export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * Call latencies in an HDR histogram (microsecond resolution, 2 significant digits, up
 * to an hour): constant memory and O(1) recording whatever the call count. The histogram
 * (about 13 KB) is built at the first latency: a client keeps one per endpoint, and most
 * of a thousand endpoints may never be called.
 */
export class LatencyHistogram {
  private histogram: hdr.Histogram | undefined;

  /** Records one latency in ms. */
  record(latencyMs: number): void {
    this.histogram ??= hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3_600_000_000,
      numberOfSignificantValueDigits: 2,
    });
    this.histogram.recordValue(Math.max(1, Math.round(latencyMs * 1000)));
  }

  /** Number of recorded latencies. */
  get count(): number {
    return this.histogram?.totalCount ?? 0;
  }

  /** p50/p90/p99/max in ms (zeros when empty). */
  summary(): LatencySummary {
    return { p50: this.percentile(50), p90: this.percentile(90), p99: this.percentile(99), max: this.max };
  }

  /** The latency at `percentile` (0..100) in ms (0 when empty). */
  percentile(percentile: number): number {
    const histogram = this.histogram;
    if (histogram === undefined) return 0;
    // A percentile is the top of its HDR bucket, which may lie above the exact maximum.
    return Math.min(this.max, histogram.getValueAtPercentile(percentile) / 1000);
  }

  /** The largest latency recorded, in ms (0 when empty). */
  get max(): number {
    return (this.histogram?.maxValue ?? 0) / 1000;
  }

  reset(): void {
    this.histogram?.reset();
  }
}
