import type * as grpc from '@grpc/grpc-js';
import type { Balancer } from '../balancer/balancer.js';
import { roundRobin } from '../balancer/round-robin.js';
import { methodCodec } from '../schema/codec.js';
import type { ServiceDescriptor } from '../schema/descriptor.js';
import type { StreamInput } from '../schema/types.js';
import type { EndpointInput, Resolver } from '../discovery/resolver.js';
import { staticResolver, toEndpointList } from '../discovery/static-resolver.js';
import { type CallDefaults, CallRunner } from './call.js';
import type { ClientStats } from './client-stats.js';
import type { CallOptions, Client, ClientControls } from './client-types.js';
import { EndpointSet } from './endpoint-set.js';
import { Membership } from './membership.js';

/** Options of `createClient`: the nodes come from `endpoints` or from a `resolver`. */
export interface ClientOptions {
  /** A fixed list of nodes: `host:port` strings or configs with attribute overrides (sugar for `staticResolver`). */
  readonly endpoints?: readonly EndpointInput[];
  /** Where the nodes come from, following changes (`dnsResolver`, `etcdRegistry`, ...), instead of `endpoints`. */
  readonly resolver?: Resolver;
  /** Picks a node per call (default `roundRobin()`). */
  readonly balancer?: Balancer;
  /** Default deadline of every call in ms (none by default, as in grpc-js). */
  readonly deadlineMs?: number;
  /** How long a call without a deadline waits for a ready node before UNAVAILABLE (default 10000). */
  readonly waitForReadyMs?: number;
  /** Retries of idempotent methods on UNAVAILABLE, each on another node (default 3 attempts). */
  readonly retry?: { readonly maxAttempts?: number };
  /** Options for every grpc-js channel (e.g. `grpc.max_receive_message_length`). */
  readonly grpcOptions?: grpc.ChannelOptions;
}

const RESERVED = new Set<string>(['ready', 'stats', 'close', 'broadcast', 'then']);

/** Creates a typed client of `service` whose calls are spread over the endpoints by the balancer. */
export function createClient<S extends ServiceDescriptor>(service: S, options: ClientOptions): Client<S> {
  const where = `createClient(${service.name})`;
  const resolver = resolverOf(options, where);
  for (const name of Object.keys(service.methods)) {
    if (RESERVED.has(name)) throw new TypeError(`${where}: method name ${name} collides with the client's own ${name}()`);
  }
  const maxAttempts = options.retry?.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`${where}: retry.maxAttempts must be an integer ≥ 1, got ${maxAttempts}`);
  }
  const defaults: CallDefaults = {
    deadlineMs: options.deadlineMs,
    waitForReadyMs: options.waitForReadyMs ?? 10_000,
    maxAttempts,
  };
  const balancer = options.balancer ?? roundRobin();
  const set = new EndpointSet(service.name, balancer, options.grpcOptions ?? {});
  const membership = new Membership(resolver, service.name, set);
  const runner = new CallRunner(set, balancer, defaults);

  const controls: ClientControls = {
    ready: (ready = {}) => set.whenReady(ready.all ?? false, Date.now() + (ready.timeoutMs ?? defaults.waitForReadyMs)),
    stats: (): ClientStats => {
      const calls = set.endpoints.reduce((sum, e) => sum + e.calls, 0);
      return {
        service: service.name,
        balancer: balancer.name,
        calls,
        failures: set.endpoints.reduce((sum, e) => sum + e.failures, 0),
        endpoints: set.endpoints.map((e) => e.stats(calls)),
        discovery: membership.stats(),
      };
    },
    close: async () => {
      membership.close();
      set.close();
    },
  };
  const methods: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(service.methods)) {
    const codec = methodCodec(service, method);
    methods[name] = method.requestStream
      ? method.responseStream
        ? (requests: StreamInput<unknown>, opts?: CallOptions) => runner.bidiStream(method, codec, requests, opts)
        : (requests: StreamInput<unknown>, opts?: CallOptions) => runner.clientStream(method, codec, requests, opts)
      : method.responseStream
        ? (request: unknown, opts?: CallOptions) => runner.serverStream(method, codec, request, opts)
        : (request: unknown, opts?: CallOptions) => runner.unary(method, codec, request, opts);
  }
  return Object.freeze({ ...methods, ...controls }) as Client<S>;
}

function resolverOf(options: ClientOptions, where: string): Resolver {
  if (options?.resolver !== undefined && options.endpoints !== undefined) {
    throw new TypeError(`${where}: give endpoints or a resolver, not both`);
  }
  return options?.resolver ?? staticResolver(toEndpointList(options?.endpoints as readonly EndpointInput[], where));
}
