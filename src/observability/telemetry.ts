import type { Endpoint, PickContext } from '../balancer/balancer.js';
import type { ClientInterceptor } from '../client/api/client-interceptor.js';
import type { MethodDescriptor } from '../schema/descriptor.js';
import type { ServerInterceptor } from '../server/server-interceptor.js';

/**
 * Tracing and metrics for clients and server nodes, as `createClient({ telemetry })` and
 * `createServer({ telemetry })` take it: `openTelemetry()` from `switchboard/otel` makes
 * one. The contract holds no OpenTelemetry type, so the main entry point never loads
 * `@opentelemetry/api`; without `telemetry` the call path pays one `undefined` check per
 * attempt.
 */
export interface Telemetry {
  /** The hooks of one client of `service`; `endpoints` lists its nodes (for per-node gauges). */
  client(service: string, endpoints: () => readonly Endpoint[]): ClientTelemetry;
  /** The interceptor a node runs outermost around every handler. */
  server(nodeId: string): ServerInterceptor;
}

/** What one client records: the call in its interceptor, each attempt through {@link ClientTelemetry.attempt}. */
export interface ClientTelemetry {
  /** Runs outermost around every call (the call's span and duration, the context put into its metadata). */
  readonly interceptor: ClientInterceptor;
  /**
   * An attempt of `call` begins on `endpoint`: returns where its end is reported, which
   * records it and then passes it on to `next` (the client's own recording).
   */
  attempt<E extends Endpoint>(endpoint: E, call: TelemetryCall, next: AttemptEnd<E>): AttemptEnd<E>;
  /** The client closed: stops observing its endpoints. */
  close(): void;
}

/** The call an attempt belongs to, as the telemetry sees it: routing context and the options given to the call. */
export interface TelemetryCall extends PickContext {
  /** The options the call was made with; their `metadata` is the one the interceptors saw. */
  readonly options: { readonly metadata?: unknown };
}

/** Where an attempt's end is reported: the client's own recording, or a telemetry's in front of it. */
export interface AttemptEnd<E extends Endpoint> {
  /** `attempt` ended (called once per attempt). */
  attemptEnded(attempt: EndedAttempt<E>): void;
}

/** An attempt that has ended, as {@link AttemptEnd.attemptEnded} reads it. */
export interface EndedAttempt<E extends Endpoint> {
  /** The node it went to. */
  readonly endpoint: E;
  /** The method called. */
  readonly method: MethodDescriptor;
  /** The status code it ended with (CANCELLED for a hedge that lost, or a call the caller cancelled). */
  readonly code: number;
  /** From its start to its end, ms. */
  readonly latencyMs: number;
  /** When it ended (`performance.now()`). */
  readonly endedAt: number;
  /**
   * Whether the node refused it for overload: RESOURCE_EXHAUSTED or UNAVAILABLE, but not a
   * message over a size limit (the throttle and the concurrency limit count it as not accepted).
   */
  readonly refused: boolean;
}
