import type { LoadReport } from '../../balancer/balancer.js';
import type { LatencySummary } from '../../observability/latency-histogram.js';
import type { SubsetStrategy } from '../endpoints/subset.js';

/**
 * State of an endpoint as the client sees it: `ready` once connected, identified (its
 * `Node/Info` answered) and serving (its health says so), `connecting` until then;
 * `not-serving` when its health says NOT_SERVING, `ejected` while outlier ejection holds
 * it out, `failing` from a failed connection attempt until a connection succeeds (the
 * attempts in between too, as a grpc-js channel stays in TRANSIENT_FAILURE), `idle` before
 * it connects.
 */
export type EndpointState = 'connecting' | 'ready' | 'failing' | 'idle' | 'not-serving' | 'ejected' | 'closed';

/** One endpoint's counters since the client was created. */
export interface EndpointStats {
  readonly id: string;
  readonly address: string;
  readonly zone: string;
  readonly weight: number;
  readonly state: EndpointState;
  /** Attempts sent to this endpoint (a retried call counts once per attempt). */
  readonly calls: number;
  /** Hedges sent to this endpoint (attempts after the first of a hedged call; they count in `calls` too). */
  readonly hedges: number;
  /** Hedges sent here that answered first (the call took their answer). */
  readonly hedgesWon: number;
  /** Attempts that ended with a non-OK status (a hedge cancelled because another answered first is CANCELLED). */
  readonly failures: number;
  /** Failed attempts by status name, e.g. `{ UNAVAILABLE: 3 }`. */
  readonly failuresByCode: Readonly<Record<string, number>>;
  readonly inFlight: number;
  /** This client's limit of calls in flight on the node now (`concurrencyLimit`); undefined without one. */
  readonly concurrencyLimit: number | undefined;
  /** This endpoint's share of all attempts, 0..1. */
  readonly share: number;
  /** Attempts completed here within the last `ClientStats.windowMs`. */
  readonly recentCalls: number;
  /** This endpoint's share of the attempts completed within the last window, 0..1. */
  readonly recentShare: number;
  /** Latency percentiles of completed attempts. */
  readonly latencyMs: LatencySummary;
  /** p99 latency of the attempts completed here in the last 5 s (at most the last 1,024), ms; 0 without any. */
  readonly recentP99Ms: number;
  /** Peak-EWMA latency now. */
  readonly ewmaLatencyMs: number;
  /** Estimated time per queued call, ms (floor-tracking EWMA of latency ÷ queue joined: what `leastLoad()` weighs). */
  readonly serviceTimeMs: number;
  /**
   * What `leastLoad` would weigh for one more call now: (queue depth + 1) × service
   * time, scaled by a fresh load report's utilization (see `balancer/least-load.ts`).
   */
  readonly leastLoadCost: number;
  /** This endpoint's weight over the weights of the ready endpoints (what `weighted` aims for), 0 when not ready. */
  readonly weightShare: number;
  /** A copy of the node's last load report, when it sent one (`receivedAt` on the `performance.now()` clock). */
  readonly load: LoadReport | undefined;
}

/** Where the client's endpoints come from, and whether that source is answering. */
export interface DiscoveryStats {
  /** The resolver's `source`, e.g. `static` or `etcd 127.0.0.1:2379/switchboard`. */
  readonly source: string;
  /** False while the source cannot be reached: the client keeps using the last list it got. */
  readonly healthy: boolean;
  /** The last error from the source, if any. */
  readonly lastError: string | undefined;
  /** When the last list arrived (ISO 8601), if one did. */
  readonly lastUpdate: string | undefined;
  /** The client's subset of the listed endpoints (`subset` option), or undefined when it connects to all. */
  readonly subset: SubsetStats | undefined;
}

/** Which of the resolver's endpoints a subsetting client connects to. */
export interface SubsetStats {
  /** The `subset.size` asked for. */
  readonly size: number;
  readonly strategy: SubsetStrategy;
  /** The client's index or key the subset was chosen with. */
  readonly client: number | string;
  /** How many distinct endpoints the resolver's last list had. */
  readonly candidates: number;
  /** The addresses chosen from that list (`endpoints` shows their state). */
  readonly members: readonly string[];
}

/** A budget's state over its window, as `client.stats()` shows it. */
export interface BudgetStats {
  /** Calls counted within the window. */
  readonly calls: number;
  /** Extra attempts (retries or hedges) taken within the window. */
  readonly spent: number;
  /** Extra attempts that may still be taken now. */
  readonly available: number;
}

/** The calls waiting for a node under its concurrency limit (`concurrencyLimit`). */
export interface ConcurrencyQueueStats {
  /** Calls waiting now. */
  readonly waiting: number;
  /** Calls that may wait at once (`concurrencyQueueLimit`). */
  readonly limit: number;
  /**
   * Calls failed at once with RESOURCE_EXHAUSTED since the client was created: the queue
   * was full, or too slow for their deadline.
   */
  readonly refused: number;
}

/**
 * The adaptive throttle's state (`throttle`): it refuses an attempt with probability
 * max(0, (requests − k·accepts) / (requests + 1)).
 */
export interface ThrottleStats {
  /** The throttle's k. */
  readonly k: number;
  /** Length of the window of `requests` and `accepts`, ms. */
  readonly windowMs: number;
  /** Requests the window must hold before the throttle refuses any. */
  readonly minRequests: number;
  /** Attempts within the window (sent and answered, or refused by the throttle; CANCELLED ones not). */
  readonly requests: number;
  /** Attempts within the window the nodes answered with something else than RESOURCE_EXHAUSTED or UNAVAILABLE. */
  readonly accepts: number;
  /** The probability that the next attempt is refused locally, 0..1. */
  readonly rejectProbability: number;
  /** Attempts the throttle refused since the client was created. */
  readonly rejected: number;
}

/** What `client.stats()` returns. */
export interface ClientStats {
  /** Fully qualified service name. */
  readonly service: string;
  /** Name of the balancer in use. */
  readonly balancer: string;
  /** Attempts over all endpoints. */
  readonly calls: number;
  readonly failures: number;
  /** Length of the window behind `recentCalls` and `recentShare`, ms. */
  readonly windowMs: number;
  /** Attempts completed over all endpoints within the last window. */
  readonly recentCalls: number;
  readonly endpoints: readonly EndpointStats[];
  readonly discovery: DiscoveryStats;
  /** The hedging budget over its window (counting the calls of hedged methods only). */
  readonly hedgingBudget: BudgetStats;
  /** The queue of calls over the nodes' concurrency limits; undefined without `concurrencyLimit`. */
  readonly concurrencyQueue: ConcurrencyQueueStats | undefined;
  /** The adaptive throttle; undefined with `throttle: false`. */
  readonly throttle: ThrottleStats | undefined;
}
