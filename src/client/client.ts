import type { Balancer } from '../balancer/balancer.js';
import { roundRobin } from '../balancer/round-robin.js';
import { metricsRecorder } from '../observability/metrics.js';
import { serveStatusPage } from '../observability/status-page.js';
import { methodCodec } from '../schema/codec.js';
import type { ServiceDescriptor } from '../schema/descriptor.js';
import type { StreamInput } from '../schema/types.js';
import { type BroadcastOptions, broadcast } from './broadcast.js';
import { CallRunner } from './call.js';
import { attachInternals, type ClientInternals } from './client-internals.js';
import { channelCredentials } from './client-tls.js';
import { type ClientOptions, channelOptions, latencyDecayOf, methodBalancerMap, methodPolicies, resolverOf } from './client-options.js';
import type { ClientStats } from './client-stats.js';
import type { CallOptions, Client, ClientControls } from './client-types.js';
import { EndpointSet } from './endpoint-set.js';
import { interceptedPromise, interceptedStream } from './intercepted-call.js';
import { Membership } from './membership.js';
import { methodBalancers } from './method-balancers.js';
import { RetryBudget } from './retry-budget.js';

/** Default `maxMetadataBytes`: generous for headers, small enough to fail clearly instead of a reset stream. */
const DEFAULT_MAX_METADATA_BYTES = 64 * 1024;

/** Creates a typed client of `service` whose calls are spread over the endpoints by the balancer. */
export function createClient<S extends ServiceDescriptor>(service: S, options: ClientOptions<S>): Client<S> {
  const where = `createClient(${service.name})`;
  const resolver = resolverOf(options, where);
  const policyOf = methodPolicies(service, options, where);
  const waitForReadyMs = options.waitForReadyMs ?? 10_000;
  const balancer = options.balancer ?? roundRobin();
  const perMethod = methodBalancerMap(service, options);
  const routing = methodBalancers(balancer, perMethod);
  let membership: Membership | undefined;
  const set = new EndpointSet(
    service.name,
    routing,
    {
      healthService: options.healthCheck === false ? undefined : service.name,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      latencyDecayMs: latencyDecayOf(options, where),
      grpcOptions: channelOptions(options, where),
      credentials: channelCredentials(options.tls, where),
      // A static resolver delivers its list while Membership is being built; no connection has failed by then.
      onConnectFailure: () => membership?.resolveNow(),
    },
    options.outlierDetection ?? {},
  );
  membership = new Membership(resolver, service.name, set);
  const metrics =
    options.metrics === undefined
      ? undefined
      : metricsRecorder(options.metrics, where).watchClient({ service: service.name, nodes: () => set.endpoints });
  const defaults = {
    deadlineMs: options.deadlineMs,
    waitForReadyMs,
    policyOf,
    budget: new RetryBudget(options.retryBudget),
    random: options.random ?? Math.random,
    record: metrics?.record,
    maxMetadataBytes: options.maxMetadataBytes ?? DEFAULT_MAX_METADATA_BYTES,
    compression: options.compression,
  };
  // One runner per balancer, so each balancer gets the feedback of its own calls.
  const runners = new Map<Balancer, CallRunner>();
  const runnerOf = (path: string): CallRunner => {
    const b = perMethod.get(path) ?? balancer;
    const runner = runners.get(b) ?? new CallRunner(set, b, defaults);
    runners.set(b, runner);
    return runner;
  };

  const controls: ClientControls = {
    ready: (ready = {}) => set.whenReady(ready.all ?? false, Date.now() + (ready.timeoutMs ?? waitForReadyMs)),
    stats: (): ClientStats => {
      const now = performance.now();
      const endpoints = set.endpoints;
      const calls = endpoints.reduce((sum, e) => sum + e.calls, 0);
      const recentCalls = endpoints.reduce((sum, e) => sum + e.recent.total(now), 0);
      const readyWeight = endpoints.reduce((sum, e) => sum + (e.ready ? e.weight : 0), 0);
      return {
        service: service.name,
        balancer: routing.name,
        calls,
        failures: endpoints.reduce((sum, e) => sum + e.failures, 0),
        windowMs: endpoints[0]?.recent.windowMs ?? 0,
        recentCalls,
        endpoints: endpoints.map((e) => e.stats(calls, recentCalls, readyWeight, now)),
        discovery: membership.stats(),
      };
    },
    serveStatus: (statusOptions) => serveStatusPage(controls.stats, statusOptions),
    close: async () => {
      metrics?.unwatch();
      membership.close();
      set.close();
    },
  };
  const methods: Record<string, unknown> = {};
  const broadcasts: Record<string, unknown> = {};
  const byName = new Map<string, ReturnType<ClientInternals['method']>>();
  const internals: ClientInternals = { service, set, waitForReadyMs, method: (name) => byName.get(name) };
  for (const [name, method] of Object.entries(service.methods)) {
    const codec = methodCodec(service, method);
    const runner = runnerOf(method.path);
    byName.set(name, { method, codec, runner });
    if (!method.requestStream && !method.responseStream) {
      broadcasts[name] = (request: unknown, opts?: BroadcastOptions) => broadcast(internals, name, request, opts);
    }
    const chain = options.interceptors ?? [];
    if (chain.length === 0) {
      methods[name] = method.requestStream
        ? method.responseStream
          ? (requests: StreamInput<unknown>, opts?: CallOptions) => runner.bidiStream(method, codec, requests, opts)
          : (requests: StreamInput<unknown>, opts?: CallOptions) => runner.clientStream(method, codec, requests, opts)
        : method.responseStream
          ? (request: unknown, opts?: CallOptions) => runner.serverStream(method, codec, request, opts)
          : (request: unknown, opts?: CallOptions) => runner.unary(method, codec, request, opts);
    } else {
      methods[name] = method.requestStream
        ? method.responseStream
          ? (requests: StreamInput<unknown>, opts?: CallOptions) =>
              interceptedStream(chain, method, opts, (o) => runner.bidiStream(method, codec, requests, o))
          : (requests: StreamInput<unknown>, opts?: CallOptions) =>
              interceptedPromise(chain, method, opts, (o) => runner.clientStream(method, codec, requests, o))
        : method.responseStream
          ? (request: unknown, opts?: CallOptions) =>
              interceptedStream(chain, method, opts, (o) => runner.serverStream(method, codec, request, o))
          : (request: unknown, opts?: CallOptions) =>
              interceptedPromise(chain, method, opts, (o) => runner.unary(method, codec, request, o));
    }
  }
  const client = Object.freeze({ ...methods, ...controls, broadcast: Object.freeze(broadcasts) }) as Client<S>;
  attachInternals(client, internals);
  return client;
}
