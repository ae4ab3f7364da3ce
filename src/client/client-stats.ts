import type { LatencySummary } from '../observability/latency-histogram.js';

/**
 * State of an endpoint as the client sees it: `ready` once connected, identified (its
 * `Node/Info` answered) and serving (its health says so), `connecting` until then;
 * `not-serving` when its health says NOT_SERVING, `ejected` while outlier ejection holds
 * it out, `failing` while its connection fails, `idle` before it connects.
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
  /** Attempts that ended with a non-OK status. */
  readonly failures: number;
  readonly inFlight: number;
  /** This endpoint's share of all attempts, 0..1. */
  readonly share: number;
  /** Latency percentiles of completed attempts. */
  readonly latencyMs: LatencySummary;
  /** Peak-EWMA latency now (what `leastLoad` weighs). */
  readonly ewmaLatencyMs: number;
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
  readonly endpoints: readonly EndpointStats[];
  readonly discovery: DiscoveryStats;
}
