import type { Balancer } from '../balancer/balancer.js';
import { roundRobin } from '../balancer/round-robin.js';
import { expectHandledCalls } from '../common/handled-call.js';
import { metricsRecorder } from '../observability/metrics.js';
import { serveStatusPage } from '../observability/status-page.js';
import { methodCodec } from '../schema/codec.js';
import type { ServiceDescriptor } from '../schema/descriptor.js';
import type { BroadcastOptions } from './api/broadcast-types.js';
import type { Client, ClientControls } from './api/client-types.js';
import { AdaptiveThrottle } from './call/adaptive-throttle.js';
import { type CallDefaults, CallPipeline } from './call/call-pipeline.js';
import { methodCall } from './call/method-call.js';
import { HEDGING_BUDGET } from './call/hedging-policy.js';
import { RetryBudget } from './call/retry-budget.js';
import {
  type ClientOptions,
  channelOptions,
  inheritDeadlineOf,
  latencyDecayOf,
  methodBalancerMap,
  methodPolicies,
  resolverOf,
} from './client-options.js';
import { broadcast } from './cluster/broadcast.js';
import { attachInternals, type ClientInternals, type ClientMethodInternals } from './cluster/client-internals.js';
import { channelCredentials } from './endpoints/client-tls.js';
import { ConnectionPool } from './endpoints/connection-pool.js';
import { endpointLimits } from './endpoints/concurrency-limit.js';
import { EndpointSet } from './endpoints/endpoint-set.js';
import { Membership } from './endpoints/membership.js';
import { methodBalancers } from './endpoints/method-balancers.js';
import { subsetChoice } from './endpoints/subset.js';

/** Default `maxMetadataBytes`: generous for headers, small enough to fail clearly instead of a reset stream. */
const DEFAULT_MAX_METADATA_BYTES = 64 * 1024;

/**
 * Creates a typed client of `service` whose calls are spread over the endpoints by the
 * balancer. The composition root: options are checked, then the endpoint set (connections,
 * health, ejection) follows the resolver, and each method gets the call function of its
 * kind running through the pipeline of its balancer.
 */
export function createClient<S extends ServiceDescriptor>(service: S, options: ClientOptions<S>): Client<S> {
  const where = `createClient(${service.name})`;
  const resolver = resolverOf(options, where);
  const policyOf = methodPolicies(service, options, where);
  const waitForReadyMs = options.waitForReadyMs ?? 10_000;
  const balancer = options.balancer ?? roundRobin();
  const perMethod = methodBalancerMap(service, options);
  const subset = options.subset === undefined ? undefined : subsetChoice(options.subset, where);
  const routing = methodBalancers(balancer, perMethod);
  const limits = endpointLimits(options.concurrencyLimit, options.concurrencyQueueLimit, where);
  const random = options.random ?? Math.random;
  const throttle =
    options.throttle === false ? undefined : new AdaptiveThrottle(service.name, options.throttle ?? {}, random);
  // Every option is checked before the first connection opens: a bad one leaves nothing behind.
  const recorder = options.metrics === undefined ? undefined : metricsRecorder(options.metrics, where);
  const budget = new RetryBudget(options.retryBudget);
  const hedgeBudget = new RetryBudget(options.hedgingBudget, undefined, HEDGING_BUDGET);
  const inheritDeadline = inheritDeadlineOf(options, where);
  if (inheritDeadline) expectHandledCalls();
  let membership: Membership | undefined;
  const pool = new ConnectionPool(channelCredentials(options.tls, where), channelOptions(options, where));
  const set = new EndpointSet(
    service.name,
    routing,
    {
      healthService: options.healthCheck === false ? undefined : service.name,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      latencyDecayMs: latencyDecayOf(options, where),
      pool,
      // A static resolver delivers its list while Membership is being built; no connection has failed by then.
      onConnectFailure: () => membership?.resolveNow(),
    },
    options.outlierDetection ?? {},
    limits,
  );
  const discovery = new Membership(resolver, service.name, set, subset);
  membership = discovery;
  const metrics = recorder?.watchClient({
    service: service.name,
    nodes: () =>
      set.endpoints.map((e) => ({
        id: e.id,
        inFlight: e.measured.inFlight,
        calls: e.measured.calls,
        hedges: e.measured.hedges,
        hedgesWon: e.measured.hedgesWon,
      })),
  });
  const telemetry = options.telemetry?.client(service.name, () => set.endpoints);
  const defaults: CallDefaults = {
    deadlineMs: options.deadlineMs,
    inheritDeadline,
    waitForReadyMs,
    policyOf,
    budget,
    hedgeBudget,
    random,
    record: metrics?.record,
    telemetry,
    maxMetadataBytes: options.maxMetadataBytes ?? DEFAULT_MAX_METADATA_BYTES,
    compression: options.compression,
    throttle,
  };
  // One pipeline per balancer, so each balancer gets the feedback of its own calls.
  const pipelines = new Map<Balancer, CallPipeline>();
  const pipelineOf = (path: string): CallPipeline => {
    const b = perMethod.get(path) ?? balancer;
    const pipeline = pipelines.get(b) ?? new CallPipeline(set, b, defaults);
    pipelines.set(b, pipeline);
    return pipeline;
  };

  const controls: ClientControls = {
    ready: (ready = {}) => set.whenReady(ready.all ?? false, Date.now() + (ready.timeoutMs ?? waitForReadyMs)),
    stats: () => set.stats(service.name, routing.name, discovery.stats(), hedgeBudget.stats(), throttle?.stats()),
    serveStatus: (statusOptions) => serveStatusPage(controls.stats, statusOptions),
    close: async () => {
      metrics?.unwatch();
      telemetry?.close();
      discovery.close();
      set.close();
    },
  };
  const interceptors =
    telemetry === undefined ? (options.interceptors ?? []) : [telemetry.interceptor, ...(options.interceptors ?? [])];
  const methods: Record<string, unknown> = {};
  const broadcasts: Record<string, unknown> = {};
  const byName = new Map<string, ClientMethodInternals>();
  const internals: ClientInternals = { service, set, method: (name) => byName.get(name) };
  for (const [name, method] of Object.entries(service.methods)) {
    const codec = methodCodec(service, method);
    const pipeline = pipelineOf(method.path);
    byName.set(name, { method, codec, pipeline });
    if (!method.requestStream && !method.responseStream) {
      broadcasts[name] = (request: unknown, opts?: BroadcastOptions) => broadcast(internals, name, request, opts);
    }
    methods[name] = methodCall(pipeline, method, codec, interceptors);
  }
  const client = Object.freeze({ ...methods, ...controls, broadcast: Object.freeze(broadcasts) }) as Client<S>;
  attachInternals(client, internals);
  return client;
}
