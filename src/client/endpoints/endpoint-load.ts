import type * as grpc from '@grpc/grpc-js';
import type { LoadReport } from '../../balancer/balancer.js';
import { Status } from '../../common/status.js';
import { CallEstimates } from '../../load/call-estimates.js';
import { LoadReader } from '../../load/load-reader.js';
import { CodeCounts } from '../../observability/code-counts.js';
import { LatencyHistogram } from '../../observability/latency-histogram.js';
import { RecentLatencies } from '../../observability/recent-latencies.js';
import { WindowCounter } from '../../observability/window-counter.js';

/**
 * What the client has measured of one node: the estimates balancers read (calls in flight,
 * the peak-EWMA latency, the floor-EWMA service time per queued call: {@link CallEstimates}),
 * calls completed, failures by code, the latency histograms, and the node's last load
 * report. Written only by an {@link Attempt}'s start and end (and the hedge counts, by a
 * hedged call); read by balancers through the endpoint, and by stats.
 */
export class EndpointLoad extends CallEstimates {
  calls = 0;
  failures = 0;
  /** Hedges sent here (attempts after the first of a hedged call), and how many of them won. */
  hedges = 0;
  hedgesWon = 0;
  readonly latency = new LatencyHistogram();
  /** The last attempts' latencies, for the recent p99. */
  readonly recentLatency = new RecentLatencies();
  readonly codes = new CodeCounts();
  /** Attempts completed within the last 10 s. */
  readonly recent = new WindowCounter();
  readonly #reader = new LoadReader();

  /** The node's last load report (kept up to date in place). */
  get report(): LoadReport | undefined {
    return this.#reader.report;
  }

  /** An attempt starts at `now`; returns the calls queued on the node with it (itself included). */
  start(now: number): number {
    return this.begin(this.#reader.report, now);
  }

  /**
   * Takes the node's load report from an attempt's trailers (ORCA `endpoint-load-metrics-bin`),
   * received at `now`, before that attempt ends; returns the queue the call joined on the
   * node, when the node says.
   */
  readReport(trailers: grpc.Metadata, now: number): number | undefined {
    return this.#reader.read(trailers, Math.max(0, this.inFlight - 1), now);
  }

  /** An attempt that joined a queue of `depth` (itself included) ended with `code` after `latencyMs`, at `now`. */
  finish(code: number, latencyMs: number, now: number, depth: number): void {
    this.end(code === Status.OK || code === Status.CANCELLED, latencyMs, now, depth);
    this.calls++;
    if (code !== Status.OK) {
      this.failures++;
      this.codes.add(code);
    }
    this.latency.record(latencyMs);
    this.recentLatency.record(latencyMs, now);
    this.recent.add(now);
  }
}
