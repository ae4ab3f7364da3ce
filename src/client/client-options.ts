import type * as grpc from '@grpc/grpc-js';
import type { Balancer } from '../balancer/balancer.js';
import { type MessageLimits, messageSizeOptions } from '../common/message-limits.js';
import type { Metrics } from '../observability/metrics.js';
import type { Telemetry } from '../observability/telemetry.js';
import type { MethodDescriptor, ServiceDescriptor } from '../schema/descriptor.js';
import type { ClientInterceptor } from './api/client-interceptor.js';
import { type ClientTlsOptions, serverNameOptions } from './endpoints/client-tls.js';
import { compressionChannelOptions } from './call/compression.js';
import type { Compression } from './api/call-options.js';
import type { EndpointInput, Resolver } from '../discovery/resolver.js';
import { checkedResolver, toEndpointList } from '../discovery/static-resolver.js';
import type { OutlierDetectionOptions } from './endpoints/outlier-detector.js';
import type { SubsetOptions } from './endpoints/subset.js';
import type { RetryBudgetOptions } from './call/retry-budget.js';
import { type RetryOptions, retryPolicy } from './call/retry-policy.js';
import type { MethodPolicy } from './call/call-pipeline.js';
import { HedgeDelay } from './call/hedge-delay.js';
import { type HedgingOptions, type HedgingPolicy, hedgingPolicy } from './call/hedging-policy.js';
import { outOfRange, positiveNumber } from '../common/option-checks.js';
import type { ConcurrencyLimitOption } from './endpoints/concurrency-limit.js';
import type { ThrottleOptions } from './call/adaptive-throttle.js';

/** Per-method settings that override the client's (`ClientOptions.methods`). */
export interface MethodOptions {
  /** Picks the node for this method's calls instead of the client's `balancer`. */
  readonly balancer?: Balancer;
  /** Whether the method is safe to retry after it reached a node (default: the proto's `idempotency_level`). */
  readonly idempotent?: boolean;
  /** Overrides fields of the client's `retry`. */
  readonly retry?: RetryOptions;
  /**
   * Hedges this method's calls (replacing the client's `hedging`; `false` turns it off). An
   * idempotent unary or server-streaming method only (a stream hedges until its first
   * message); not together with `retry` (gRFC A6: one or the other).
   */
  readonly hedging?: HedgingOptions | false;
}

/** HTTP/2 keepalive pings, which find a dead or hung peer while calls are open. */
export interface KeepaliveOptions {
  /** Ping after this long without activity, ms (default 10 000). */
  readonly timeMs?: number;
  /** Drop the connection when a ping is not answered within this long, ms (default 5000). */
  readonly timeoutMs?: number;
}

/** Options of `createClient`. */
export interface ClientOptions<S extends ServiceDescriptor = ServiceDescriptor> extends MessageLimits {
  /** A fixed list of nodes: `host:port` strings or configs with attribute overrides (sugar for `staticResolver`). */
  readonly endpoints?: readonly EndpointInput[];
  /** Where the nodes come from, following changes (`dnsResolver`, `etcdRegistry`, ...), instead of `endpoints`. */
  readonly resolver?: Resolver;
  /** Picks a node per call (default `roundRobin()`). */
  readonly balancer?: Balancer;
  /**
   * Connects to `size` of the listed endpoints only, re-chosen from every list the resolver
   * delivers: `{ size: 10 }` (random subsetting, gRFC A68: stable for the client's key, a
   * node that joins or leaves changes at most one member) or `{ size: 10, strategy:
   * 'deterministic', client: ordinal }` (the SRE book's: clients 0..C−1 give every node an
   * even share, ±1). Off by default: the client connects to every endpoint.
   */
  readonly subset?: SubsetOptions;
  /** Default deadline of every call in ms (none by default, as in grpc-js). */
  readonly deadlineMs?: number;
  /**
   * Whether a call made inside a Switchboard handler inherits the deadline and the
   * cancellation of the call being handled (default true), as in grpc-go and grpc-java: its
   * deadline is the earlier of its own and the handled call's less 5 ms (the margin left
   * for the handler's answer), it fails at once with DEADLINE_EXCEEDED when that leaves no
   * time, and it is cancelled when the handled call is (which includes when that call has
   * ended: a call that outlives it passes `{ inheritDeadline: false }`). `false`: this
   * client's calls keep their own deadline and signal only. Handlers run in their call's
   * context only once a client that inherits exists in the process, so create such clients
   * before the calls they serve arrive (at startup, as usual).
   */
  readonly inheritDeadline?: boolean;
  /** How long a call without a deadline waits for a ready node before UNAVAILABLE (default 10 000). */
  readonly waitForReadyMs?: number;
  /** Retries on another node (default: 3 attempts, on UNAVAILABLE, idempotent methods only). */
  readonly retry?: RetryOptions;
  /** Share of calls that may be retried (default 20% of calls + 10 per second). */
  readonly retryBudget?: RetryBudgetOptions;
  /**
   * Hedges the calls of every idempotent unary or server-streaming method (others are left
   * alone): after a delay without an answer (a stream: without its first message), the same
   * call goes to another node and the first answer wins.
   * Off by default. A method that hedges does not retry.
   */
  readonly hedging?: HedgingOptions;
  /** Share of hedged calls that may send a hedge (default 10% of calls + 1 per second). */
  readonly hedgingBudget?: RetryBudgetOptions;
  /**
   * Per-method overrides by client method name, e.g. `{ getUser: { balancer:
   * balancers.consistentHash(), retry: { maxAttempts: 5 } } }`. Every balancer is fed the
   * same ready endpoints.
   */
  readonly methods?: { readonly [K in keyof S['methods']]?: MethodOptions };
  /**
   * A limit of this client's calls in flight on each node (off by default): `'adaptive'`
   * (it follows the node's latency: it grows while the calls see at most twice the no-load
   * latency and falls when they see more or the node refuses, see `AdaptiveLimit`), its
   * settings (`{ initial, min, max, ... }`), or a fixed number per node. A node at its limit
   * is skipped by the balancer for that pick; when every ready node is at its limit, a call
   * waits (FIFO) for a slot while its expected finish is within half its remaining deadline
   * (or `waitForReadyMs`), else fails at once with
   * RESOURCE_EXHAUSTED naming the limits. Works against any gRPC server.
   */
  readonly concurrencyLimit?: ConcurrencyLimitOption;
  /**
   * Calls that may wait for a slot when every ready node is at its `concurrencyLimit`
   * (default 1,000; 0: none waits, the excess fails at once). Under overload the deadline
   * check bounds the queue first; this bounds memory. Only with `concurrencyLimit`.
   */
  readonly concurrencyQueueLimit?: number;
  /**
   * Client-side adaptive throttling (SRE book, "Handling Overload"; on by default, k 2,
   * window 10 s): when the nodes answer RESOURCE_EXHAUSTED or UNAVAILABLE to more than
   * half of the attempts, the client refuses attempts itself with probability
   * max(0, (requests − k·accepts) / (requests + 1)) once the window holds 20 requests
   * (`minRequests`), failing them at once with RESOURCE_EXHAUSTED, so a cluster that
   * refuses is not hammered. Retries and hedges count in it; it refuses first attempts
   * only (retries have the retry budget, hedges the hedging budget). `false` turns it off.
   */
  readonly throttle?: ThrottleOptions | false;
  /** Ejection of nodes that keep failing (on by default); `false` turns it off. */
  readonly outlierDetection?: OutlierDetectionOptions | false;
  /** Watch `grpc.health.v1` on every node and skip NOT_SERVING ones (default true). */
  readonly healthCheck?: boolean;
  /** A connection attempt not READY after this long is abandoned and retried, ms (default 5000). */
  readonly connectTimeoutMs?: number;
  readonly keepalive?: KeepaliveOptions;
  /**
   * Decay time constant τ, in ms, of each node's latency and service-time estimates (what
   * `leastLoad()` weighs; default 1000). The latency estimate is peak-sensitive: a slower
   * sample replaces it at once, faster ones pull it down with weight 1 − e^(−Δt/τ). The
   * service-time estimate tracks the floor of its samples: it falls with τ × 0.03 and rises
   * with τ × 0.3. A node that gets no calls looks e times cheaper every τ, so it is probed
   * again. Shorter follows a
   * recovering node sooner; longer smooths noisy latencies and remembers a slow spell longer.
   */
  readonly latencyDecayMs?: number;
  /**
   * Request metadata larger than this (HTTP/2 size: name + value + 32 per entry) fails
   * the call with RESOURCE_EXHAUSTED before it is sent (default 64 KiB).
   */
  readonly maxMetadataBytes?: number;
  /** TLS (and a client certificate for mutual TLS); without it connections are plaintext. */
  readonly tls?: ClientTlsOptions;
  /**
   * Compresses every request message with this algorithm (grpc-js' own gzip or deflate;
   * default none); a call can opt out with `{ compression: 'identity' }`. Compressed
   * responses are decompressed whatever this says. A grpc-js server (a Switchboard node)
   * decompresses requests but sends its responses uncompressed.
   */
  readonly compression?: Compression;
  /**
   * grpc-js channel options of the client's connections (e.g. `grpc.max_receive_message_length`);
   * they win over the above.
   */
  readonly grpcOptions?: grpc.ChannelOptions;
  /** Middleware around every call of this client, the first outermost. */
  readonly interceptors?: readonly ClientInterceptor[];
  /** Source of randomness for backoff jitter (default `Math.random`). */
  readonly random?: () => number;
  /**
   * Prometheus metrics to record into (from `createMetrics()`); off by default, and then
   * nothing is recorded on the call path.
   */
  readonly metrics?: Metrics;
  /**
   * Tracing and metrics of every call and attempt (`openTelemetry()` from
   * `switchboard/otel`); off by default.
   */
  readonly telemetry?: Telemetry;
}

const RESERVED = new Set<string>(['ready', 'stats', 'serveStatus', 'close', 'broadcast', 'then']);

/** The client's resolver: the given one, or a `staticResolver` of its `endpoints`. */
export function resolverOf(options: ClientOptions<ServiceDescriptor>, where: string): Resolver {
  if (options?.resolver !== undefined && options.endpoints !== undefined) {
    throw new TypeError(`${where}: give endpoints or a resolver, not both`);
  }
  return options?.resolver ?? checkedResolver(toEndpointList(options?.endpoints as readonly EndpointInput[], where));
}
/**
 * Per method: its retry policy, whether it is idempotent and how it hedges. Errors name the
 * method and the option.
 */
export function methodPolicies<S extends ServiceDescriptor>(
  service: S,
  options: ClientOptions<S>,
  where: string,
): (method: MethodDescriptor) => MethodPolicy {
  const base = retryPolicy(options.retry, undefined, where);
  const clientHedging = options.hedging === undefined ? undefined : hedgingPolicy(options.hedging, where, 'hedging');
  const overrides = (options.methods ?? {}) as Readonly<Record<string, MethodOptions | undefined>>;
  for (const name of Object.keys(overrides)) {
    if (!(name in service.methods)) {
      const methods = Object.keys(service.methods).join(', ');
      throw new TypeError(`${where}: methods.${name} is not a method of ${service.name}; methods: ${methods}`);
    }
  }
  const policies = new Map<MethodDescriptor, MethodPolicy>();
  for (const [name, method] of Object.entries(service.methods)) {
    if (RESERVED.has(name))
      throw new TypeError(`${where}: method name ${name} collides with the client's own ${name}()`);
    const override = overrides[name];
    const retry = override?.retry === undefined ? base : retryPolicy(override.retry, base, `${where} methods.${name}`);
    const idempotent = override?.idempotent ?? method.idempotent;
    const hedging = methodHedging(method, name, override, idempotent, clientHedging, where);
    policies.set(method, {
      // gRFC A6: a method that hedges does not retry; its hedges are its attempts.
      retry: hedging === undefined ? retry : { ...retry, maxAttempts: 1, attemptTimeoutMs: undefined },
      idempotent,
      hedging: hedging === undefined ? undefined : { policy: hedging, delay: new HedgeDelay(hedging) },
    });
  }
  return (method) => policies.get(method) ?? { retry: base, idempotent: method.idempotent, hedging: undefined };
}

/**
 * The hedging of one method: its own (which must be an idempotent unary or server-streaming
 * method without `retry`), else the client's for such a method, else none.
 */
function methodHedging(
  method: MethodDescriptor,
  name: string,
  override: MethodOptions | undefined,
  idempotent: boolean,
  clientHedging: HedgingPolicy | undefined,
  where: string,
): HedgingPolicy | undefined {
  // A server stream hedges until its first message; a request stream cannot be sent twice.
  const hedgeable = !method.requestStream;
  if (override?.hedging === false) return undefined;
  if (override?.hedging === undefined) return hedgeable && idempotent ? clientHedging : undefined;
  const option = `methods.${name}.hedging`;
  if (!hedgeable) {
    throw new TypeError(
      `${where}: ${option}: client-streaming and bidi methods do not hedge; ${name} streams requests`,
    );
  }
  if (!idempotent) {
    throw new TypeError(
      `${where}: ${option}: ${name} is not idempotent, and hedging sends the same call to several nodes; ` +
        `mark it idempotent (methods.${name}.idempotent: true) only if running it twice is harmless`,
    );
  }
  if (override.retry !== undefined) {
    throw new TypeError(
      `${where}: methods.${name}: give retry or hedging, not both (a method that hedges does not retry)`,
    );
  }
  return hedgingPolicy(override.hedging, where, option);
}

/** Method path → balancer, from `ClientOptions.methods` (names are checked by `methodPolicies`). */
export function methodBalancerMap<S extends ServiceDescriptor>(
  service: S,
  options: ClientOptions<S>,
): Map<string, Balancer> {
  const byPath = new Map<string, Balancer>();
  for (const [name, settings] of Object.entries(
    (options.methods ?? {}) as Readonly<Record<string, MethodOptions | undefined>>,
  )) {
    const method = service.methods[name];
    if (method !== undefined && settings?.balancer !== undefined) byPath.set(method.path, settings.balancer);
  }
  return byPath;
}

/** The `inheritDeadline` option, checked (default true). */
export function inheritDeadlineOf(options: ClientOptions<ServiceDescriptor>, where: string): boolean {
  const inherit = options.inheritDeadline ?? true;
  if (typeof inherit !== 'boolean') throw outOfRange(where, 'inheritDeadline', 'true or false', inherit);
  return inherit;
}

/** The `latencyDecayMs` option, checked. */
export function latencyDecayOf(options: ClientOptions<ServiceDescriptor>, where: string): number {
  return positiveNumber(options.latencyDecayMs ?? 1000, where, 'latencyDecayMs');
}

/** grpc-js channel options from the client's connection options. */
export function channelOptions(options: ClientOptions<ServiceDescriptor>, where: string): grpc.ChannelOptions {
  return {
    'grpc.keepalive_time_ms': options.keepalive?.timeMs ?? 10_000,
    'grpc.keepalive_timeout_ms': options.keepalive?.timeoutMs ?? 5000,
    ...messageSizeOptions(options, where),
    ...serverNameOptions(options.tls),
    ...compressionChannelOptions(options.compression, where),
    ...options.grpcOptions,
  };
}
