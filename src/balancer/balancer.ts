/**
 * The balancer contract (docs/design.md). A balancer sees endpoints, never grpc-js: the
 * client keeps the connections and hands the READY ones to `update()`; `pick()` chooses
 * one per call (per stream for streaming calls) and must stay cheap: it reads what
 * `update()` prepared, and allocates nothing.
 */

/** The last load report a node sent (filled in by load reporting; absent until then). */
export interface LoadReport {
  /** CPU or event-loop utilization, 0..1 (may exceed 1 when over-committed). */
  readonly utilization: number;
  /** Calls in flight on the node when it reported, every caller's. */
  readonly inFlight: number;
  /**
   * This client's own calls among them: its calls in flight there when the report arrived
   * (undefined: 0). `inFlight − ownInFlight` are the other callers' calls.
   */
  readonly ownInFlight?: number;
  /** Queries per second the node served recently. */
  readonly qps: number;
  /** Failed calls per second the node served recently. */
  readonly eps: number;
  /** Application-defined metrics. */
  readonly named: Readonly<Record<string, number>>;
  /** When the report was received (ms, `performance.now()` clock). */
  readonly receivedAt: number;
}

/** A node as balancers see it: identity, static attributes and live load. Read-only. */
export interface Endpoint {
  /** The node id (announced by a Switchboard node; the address otherwise). */
  readonly id: string;
  /** `host:port`. */
  readonly address: string;
  /** Static weight, > 0 (endpoint config, else the node's announced weight, else 1). */
  readonly weight: number;
  /** Zone of the node, `''` when unknown. */
  readonly zone: string;
  /** Labels of the node (e.g. `version: 'v2'`). */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * Calls and streams currently in flight from this client to the node, counting the
   * attempts a hedge gave up on that the node has not answered since (it may hold them still).
   */
  readonly inFlight: number;
  /** Peak-EWMA latency in ms, decayed to now; 0 until the first call completes. */
  readonly ewmaLatencyMs: number;
  /**
   * Estimated time the node spends per call queued on it, in ms: a floor-tracking EWMA of
   * each call's latency divided by the queue it joined there (itself included; the node's
   * own count when it reports one), decayed to now; 0 until the first call completes. Optional: endpoints that
   * do not estimate it leave `leastLoad` to weigh `ewmaLatencyMs` instead.
   */
  readonly serviceTimeMs?: number;
  /**
   * The node's last load report, if any. The client updates it in place as responses
   * arrive (no allocation per call): a balancer that keeps a report to compare later
   * keeps a copy.
   */
  readonly load: LoadReport | undefined;
}

/** What a balancer knows about the call it picks for. */
export interface PickContext {
  /** Full method path, e.g. `/demo.Greeter/SayHello`. */
  readonly path: string;
  /** Outgoing call metadata as plain key → first value. */
  readonly metadata: Readonly<Record<string, string>>;
  /** The per-call routing key (`{ key }` call option), if any. */
  readonly key: string | undefined;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  /** Endpoints earlier attempts of this call went to; a retry should avoid them. */
  readonly tried: readonly Endpoint[];
}

/** How a call ended, for balancers that learn from feedback. */
export interface CallOutcome {
  /** gRPC status code the call ended with (0 = OK). */
  readonly code: number;
  /** Wall time of the attempt in ms. */
  readonly latencyMs: number;
}

/** A load-balancing policy. Any object of this shape can be given to `createClient`. */
export interface Balancer {
  /** Short name, shown in stats (e.g. `roundRobin`). */
  readonly name: string;
  /** Called with the current READY endpoints whenever the set or a weight changes. */
  update(endpoints: readonly Endpoint[]): void;
  /** One pick per call; O(1) or O(log n); `undefined` when it has nothing to offer. */
  pick(call: PickContext): Endpoint | undefined;
  /** Optional feedback when a call attempt ends. */
  onCallEnd?(endpoint: Endpoint, outcome: CallOutcome): void;
}
