import type * as grpc from '@grpc/grpc-js';
import type { Balancer } from '../balancer/balancer.js';
import { roundRobin } from '../balancer/round-robin.js';
import { methodCodec } from '../schema/codec.js';
import type { ServiceDescriptor } from '../schema/descriptor.js';
import type { StreamInput } from '../schema/types.js';
import { type CallDefaults, CallRunner } from './call.js';
import type { ClientStats } from './client-stats.js';
import type { CallOptions, Client, ClientControls } from './client-types.js';
import type { EndpointConfig } from './endpoint.js';
import { EndpointSet } from './endpoint-set.js';
import { parseAddress } from './address.js';
import { type BroadcastOptions, broadcast } from './broadcast.js';
import { attachInternals, type ClientInternals } from './client-internals.js';
import { methodBalancers } from './method-balancers.js';

/** An endpoint as given to `createClient`: `host:port`, or a config with overrides. */
export type EndpointInput = string | EndpointConfig;

/** Settings of one method of a client (`ClientOptions.methods`). */
export interface MethodOptions {
  /** Picks the node for this method's calls instead of the client's `balancer`. */
  readonly balancer?: Balancer;
}

/** Options of `createClient`. */
export interface ClientOptions<S extends ServiceDescriptor = ServiceDescriptor> {
  /** The nodes: `host:port` strings or configs with attribute overrides. */
  readonly endpoints: readonly EndpointInput[];
  /** Picks a node per call (default `roundRobin()`). */
  readonly balancer?: Balancer;
  /**
   * Per-method settings by client method name, e.g. `{ getUser: { balancer:
   * balancers.consistentHash() } }`. Every balancer is fed the same ready endpoints.
   */
  readonly methods?: { readonly [K in keyof S['methods']]?: MethodOptions };
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
export function createClient<S extends ServiceDescriptor>(service: S, options: ClientOptions<S>): Client<S> {
  const where = `createClient(${service.name})`;
  if (!Array.isArray(options?.endpoints) || options.endpoints.length === 0) {
    throw new TypeError(`${where}: endpoints must be a non-empty list of "host:port" addresses`);
  }
  const configs = options.endpoints.map((endpoint) => {
    const config = typeof endpoint === 'string' ? { address: endpoint } : endpoint;
    parseAddress(config.address, where);
    if (config.weight !== undefined && !(Number.isFinite(config.weight) && config.weight > 0)) {
      throw new RangeError(`${where}: weight of ${config.address} must be a positive number, got ${config.weight}`);
    }
    return config;
  });
  const duplicate = configs.find((c, i) => configs.findIndex((o) => o.address === c.address) !== i);
  if (duplicate) throw new TypeError(`${where}: endpoint ${duplicate.address} is listed twice`);
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
  const perMethod = methodBalancerMap(service, options.methods ?? {}, where);
  const routing = methodBalancers(balancer, perMethod);
  const set = new EndpointSet(service.name, configs, routing, options.grpcOptions ?? {});
  const runners = new Map<Balancer, CallRunner>();
  const runnerOf = (path: string): CallRunner => {
    const b = perMethod.get(path) ?? balancer;
    const runner = runners.get(b) ?? new CallRunner(set, b, defaults);
    runners.set(b, runner);
    return runner;
  };

  const controls: ClientControls = {
    ready: (ready = {}) => set.whenReady(ready.all ?? false, Date.now() + (ready.timeoutMs ?? defaults.waitForReadyMs)),
    stats: (): ClientStats => {
      const calls = set.endpoints.reduce((sum, e) => sum + e.calls, 0);
      return {
        service: service.name,
        balancer: routing.name,
        calls,
        failures: set.endpoints.reduce((sum, e) => sum + e.failures, 0),
        endpoints: set.endpoints.map((e) => e.stats(calls)),
      };
    },
    close: async () => set.close(),
  };
  const methods: Record<string, unknown> = {};
  const broadcasts: Record<string, unknown> = {};
  const byName = new Map<string, ReturnType<ClientInternals['method']>>();
  const internals: ClientInternals = { service, set, waitForReadyMs: defaults.waitForReadyMs, method: (name) => byName.get(name) };
  for (const [name, method] of Object.entries(service.methods)) {
    const codec = methodCodec(service, method);
    const runner = runnerOf(method.path);
    byName.set(name, { method, codec, runner });
    if (!method.requestStream && !method.responseStream) {
      broadcasts[name] = (request: unknown, opts?: BroadcastOptions) => broadcast(internals, name, request, opts);
    }
    methods[name] = method.requestStream
      ? method.responseStream
        ? (requests: StreamInput<unknown>, opts?: CallOptions) => runner.bidiStream(method, codec, requests, opts)
        : (requests: StreamInput<unknown>, opts?: CallOptions) => runner.clientStream(method, codec, requests, opts)
      : method.responseStream
        ? (request: unknown, opts?: CallOptions) => runner.serverStream(method, codec, request, opts)
        : (request: unknown, opts?: CallOptions) => runner.unary(method, codec, request, opts);
  }
  const client = Object.freeze({ ...methods, ...controls, broadcast: Object.freeze(broadcasts) }) as Client<S>;
  attachInternals(client, internals);
  return client;
}

/** Method path → balancer from `ClientOptions.methods`; unknown method names are refused. */
function methodBalancerMap(service: ServiceDescriptor, methods: Readonly<Record<string, MethodOptions | undefined>>, where: string): Map<string, Balancer> {
  const byPath = new Map<string, Balancer>();
  for (const [name, settings] of Object.entries(methods)) {
    const method = service.methods[name];
    if (method === undefined) {
      throw new TypeError(`${where}: methods.${name} is not a method of ${service.name}; methods: ${Object.keys(service.methods).join(', ')}`);
    }
    if (settings?.balancer !== undefined) byPath.set(method.path, settings.balancer);
  }
  return byPath;
}
