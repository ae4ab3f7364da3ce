import type { HttpEndpoint, HttpListenOptions } from '../../observability/http-listen.js';
import type { MethodDescriptor, ServiceDescriptor } from '../../schema/descriptor.js';
import type { DeepPartial, StreamInput } from '../../schema/types.js';
import type { ClientBroadcast } from './broadcast-types.js';
import type { CallOptions } from './call-options.js';
import type { ClientStats } from './client-stats.js';

/** The client function of one method: its shape follows the method's stream flags. */
export type ClientMethod<M> =
  M extends MethodDescriptor<infer Req, infer Res, false, false>
    ? (request: DeepPartial<Req>, options?: CallOptions) => Promise<Res>
    : M extends MethodDescriptor<infer Req, infer Res, false, true>
      ? (request: DeepPartial<Req>, options?: CallOptions) => AsyncIterable<Res>
      : M extends MethodDescriptor<infer Req, infer Res, true, false>
        ? (requests: StreamInput<DeepPartial<Req>>, options?: CallOptions) => Promise<Res>
        : M extends MethodDescriptor<infer Req, infer Res, true, true>
          ? (requests: StreamInput<DeepPartial<Req>>, options?: CallOptions) => AsyncIterable<Res>
          : (request: unknown, options?: CallOptions) => unknown;

/** Options of `client.ready()`. */
export interface ReadyOptions {
  /** Wait for every endpoint, not just one (default false). */
  readonly all?: boolean;
  /** Give up after this long (default: the client's `waitForReadyMs`). */
  readonly timeoutMs?: number;
}

/** What every client has besides its methods. */
export interface ClientControls {
  /**
   * Resolves once an endpoint (or, with `all`, every endpoint) is connected and identified;
   * rejects with UNAVAILABLE, naming each endpoint's state, when the time is up. Calls do
   * not need it (they wait for a ready endpoint themselves); it is for start-up checks and
   * for measuring from a settled state.
   */
  ready(options?: ReadyOptions): Promise<void>;
  /** Per-endpoint counters and latency percentiles, and the balancer in use. */
  stats(): ClientStats;
  /**
   * Serves a live view of `stats()` over HTTP (default 127.0.0.1, port 0 = any free port):
   * a page with each node's state, in-flight calls, latency, share of calls and the
   * balancer's weights and costs (table, bar chart, and line charts of calls/s and p99
   * per node over the last 60 s with state changes marked, refreshed every second) at `/`, the
   * same as JSON at `/stats.json`. Resolves with the URL and a `close()`.
   */
  serveStatus(options?: HttpListenOptions): Promise<HttpEndpoint>;
  /**
   * Closes the client: calls made after it, and calls still waiting for a node, fail at once
   * with CANCELLED (`client of <service> closed`); calls in flight run to their end, and each
   * connection closes once its calls have ended (as grpc-js' `channel.close()`).
   */
  close(): Promise<void>;
}

/** A typed client of a service: one function per method (camelCase) plus the controls. */
export type Client<S extends ServiceDescriptor> = {
  readonly [K in keyof S['methods']]: ClientMethod<S['methods'][K]>;
} & ClientControls & {
    /**
     * Scatter-gather: `client.broadcast.method(req, { deadlineMs })` calls a unary method on
     * every ready node, each with its own deadline, and resolves with one
     * `{ node, ok, value | error, latencyMs }` per node (never rejects for a node's failure).
     * See `quorum` and `aggregate`.
     */
    readonly broadcast: ClientBroadcast<S>;
  };
