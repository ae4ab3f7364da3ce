import type * as grpc from '@grpc/grpc-js';
import type { LoadReport } from '../../balancer/balancer.js';
import { Status } from '../../common/status.js';
import { CallEstimates } from '../../load/call-estimates.js';
import { LoadReader } from '../../load/load-reader.js';
import { CodeCounts } from '../../observability/code-counts.js';
import { LatencyHistogram } from '../../observability/latency-histogram.js';
import { RecentLatencies } from '../../observability/recent-latencies.js';
import { WindowCounter } from '../../observability/window-counter.js';
import type { ConcurrencyLimit } from './concurrency-limit.js';

/**
 * What the client has measured of one node: the estimates balancers read (calls in flight,
 * the peak-EWMA latency, the floor-EWMA service time per queued call: {@link CallEstimates}),
 * calls completed, failures by code, the latency histograms, the node's last load report,
 * and (with `concurrencyLimit`) the limit of calls in flight there, fed by every attempt's
 * end. Written only by an {@link Attempt}'s start and end (and the hedge counts, by a
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

  /**
   * @param latencyDecayMs - decay time constant of the latency estimates.
   * @param limit - this client's concurrency limit on the node, if it has one.
   */
  constructor(
    latencyDecayMs: number,
    readonly limit: ConcurrencyLimit | undefined,
  ) {
    super(latencyDecayMs);
  }

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

  /**
   * An attempt that joined a queue of `depth` (itself included), `inFlightAtStart` of this
   * client's attempts in flight here as it began, ended with `code` after `latencyMs`, at
   * `now`; `refused` when the node refused it for overload.
   */
  finish(code: number, latencyMs: number, now: number, depth: number, inFlightAtStart: number, refused: boolean): void {
    this.end(code === Status.OK || code === Status.CANCELLED, latencyMs, now, depth, code === Status.OK);
    if (this.limit !== undefined) this.feedLimit(this.limit, code, latencyMs, inFlightAtStart, refused);
    this.count(code, latencyMs, now);
  }

  /**
   * An attempt that joined a queue of `depth` was given up on after `latencyMs`, at `now`,
   * before the node answered it (a hedge that lost): counted as CANCELLED, and among the
   * calls the node may still hold ({@link CallEstimates.abandon}); the limit learns nothing from it.
   */
  abandoned(latencyMs: number, now: number, depth: number): void {
    this.abandon(latencyMs, now, depth);
    this.count(Status.CANCELLED, latencyMs, now);
  }

  private count(code: number, latencyMs: number, now: number): void {
    this.calls++;
    if (code !== Status.OK) {
      this.failures++;
      this.codes.add(code);
    }
    this.latency.record(latencyMs);
    this.recentLatency.record(latencyMs, now);
    this.recent.add(now);
  }

  /**
   * The limit learns from answers that measure the node's queue: an OK's latency, and a
   * RESOURCE_EXHAUSTED for overload or a deadline run out (back off at once). Other
   * failures (a bad request, a message over a size limit, a node going away, a cancelled
   * hedge) say nothing about how many calls fit.
   */
  private feedLimit(
    limit: ConcurrencyLimit,
    code: number,
    latencyMs: number,
    inFlightAtStart: number,
    refused: boolean,
  ): void {
    if (code === Status.OK) limit.sample(latencyMs, inFlightAtStart);
    else if ((refused && code === Status.RESOURCE_EXHAUSTED) || code === Status.DEADLINE_EXCEEDED) limit.drop();
  }
}
