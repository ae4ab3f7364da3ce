import type * as grpc from '@grpc/grpc-js';
import type { MessageLimits } from '../common/message-limits.js';
import type { Registry } from '../discovery/registry.js';
import type { MethodStats } from '../observability/method-stats.js';
import type { Metrics } from '../observability/metrics.js';
import type { Telemetry } from '../observability/telemetry.js';
import type { ServiceDescriptor } from '../schema/descriptor.js';
import type { AdmissionOptions, AdmissionStats } from './concurrency-limit.js';
import type { Handlers } from './handler-types.js';
import type { AppLoad, LoadSnapshot } from './load-reporter.js';
import type { ServerInterceptor } from './server-interceptor.js';
import type { ServerTlsOptions } from './server-tls.js';

/** Options of `createServer`. */
export interface ServerOptions extends MessageLimits, AdmissionOptions {
  /** Unique id of this node in the cluster; clients name it in stats and errors. */
  readonly nodeId: string;
  /** Zone (e.g. `eu-1`) for zone-aware routing. */
  readonly zone?: string;
  /** Relative capacity announced to clients (default 1). */
  readonly weight?: number;
  /** Free-form labels (e.g. `{ version: 'v2' }`) for routing rules. */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Load reports to callers in the `endpoint-load-metrics-bin` trailer of every response
   * (ORCA): event-loop utilization, qps, eps, in-flight, sampled every `intervalMs`
   * (default 500). On by default; `false` turns them off.
   */
  readonly loadReport?: false | { readonly intervalMs?: number };
  /** Middleware around every handler of this node, the first outermost (also `server.use`). */
  readonly interceptors?: readonly ServerInterceptor[];
  /** TLS (and mutual TLS); without it the node listens in plaintext. */
  readonly tls?: ServerTlsOptions;
  /**
   * When a handler has not answered a call this long before the caller's deadline, the node
   * answers DEADLINE_EXCEEDED for it (and aborts `ctx.signal`): a call the caller's own
   * deadline ends costs its connection a reset, and Node's HTTP/2 server closes a connection
   * after about 1,000 of them, failing every call on it INTERNAL. Default: a tenth of the
   * call's timeout, between 5 and 50 ms; `0`: never (only the deadline itself ends a call).
   */
  readonly deadlineMarginMs?: number;
  /** Options passed to the grpc-js server; they win over the above. */
  readonly grpcOptions?: grpc.ServerOptions;
  /**
   * Called when a handler throws something that is not an `RpcError` (the caller gets
   * INTERNAL without details). Default: one line on stderr.
   */
  readonly onHandlerError?: (error: unknown, path: string) => void;
  /**
   * Where the node announces itself (e.g. `etcdRegistry(...)`): `listen` registers every
   * added service at the listen address, and fails if another live node has this id;
   * `shutdown` deregisters first.
   */
  readonly registry?: Registry;
  /**
   * The host, or `host:port`, other hosts reach this node at, registered in place of the
   * listen address (a host alone gets the bound port): for a node that listens on a
   * wildcard address (`0.0.0.0`, `[::]`), behind NAT or a port mapping. With a registry, a
   * node that listens on a wildcard address needs it: `listen` refuses to register an
   * address no other host can dial.
   */
  readonly advertise?: string;
  /** Prometheus metrics to record into (from `createMetrics()`); off by default. */
  readonly metrics?: Metrics;
  /** Tracing and metrics of every handled call (`openTelemetry()` from `switchboard/otel`); off by default. */
  readonly telemetry?: Telemetry;
  /**
   * Server reflection (`grpc.reflection.v1` and `v1alpha`), so grpcurl, `switchboard list`
   * and `call` without `--proto` can read the node's schema. On by default; `false` turns it off.
   */
  readonly reflection?: boolean;
}

/** What `server.stats()` returns: the node's own view of the calls it handles. */
export interface ServerStats {
  readonly nodeId: string;
  /** Calls being handled now, over all methods. */
  readonly inFlight: number;
  /** One entry per method of the added services (not health or node info). */
  readonly methods: readonly MethodStats[];
  /** The limit, the queue and the calls refused before their handler ran (with `maxConcurrentCalls`). */
  readonly admission?: AdmissionStats;
}

/** Where a server listens. */
export interface ListenResult {
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** `host:port` to give clients: the advertised address when there is one, else the listen address. */
  readonly address: string;
}

/** Options of `shutdown`. */
export interface ShutdownOptions {
  /** How long in-flight calls may run before they are cancelled (default 5000 ms). */
  readonly graceMs?: number;
}

/** A server node: add services, listen, shut down gracefully. */
export interface Server {
  readonly nodeId: string;
  /** Calls being handled right now. */
  readonly inFlight: number;
  /** Per method: calls, failures by code, in-flight, handling-time percentiles. */
  stats(): ServerStats;
  /**
   * Sets what `grpc.health.v1.Health` reports for a service (default: the whole node).
   * Clients stop sending calls for that service to a node that is not serving.
   */
  setServing(serving: boolean, service?: string): void;
  /**
   * Reports the application's own load figures (e.g. a queue's fill as `utilization`) in
   * place of the measured ones; handlers can also call `ctx.reportLoad`.
   */
  reportLoad(load: AppLoad): void;
  /** The node's load as last sampled (what its responses report). */
  load(): LoadSnapshot | undefined;
  /** Adds a server interceptor (before `listen`); it runs inside those added before it. */
  use(interceptor: ServerInterceptor): this;
  /** Adds a service with its handlers (before `listen`). */
  add<S extends ServiceDescriptor>(service: S, handlers: Handlers<S>): this;
  /** Binds and starts serving, e.g. `listen('127.0.0.1:0')`; then registers the node if it has a registry. */
  listen(address: string): Promise<ListenResult>;
  /**
   * The node deregisters, health goes NOT_SERVING (watching clients move away), then new calls are refused,
   * in-flight calls get `graceMs` to finish, then the rest are cancelled.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
}
