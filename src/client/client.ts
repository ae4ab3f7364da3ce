import { roundRobin } from '../balancer/round-robin.js';
import { methodCodec } from '../schema/codec.js';
import type { ServiceDescriptor } from '../schema/descriptor.js';
import type { StreamInput } from '../schema/types.js';
import { CallRunner } from './call.js';
import { type ClientOptions, channelOptions, methodPolicies, resolverOf } from './client-options.js';
import type { ClientStats } from './client-stats.js';
import type { CallOptions, Client, ClientControls } from './client-types.js';
import { EndpointSet } from './endpoint-set.js';
import { Membership } from './membership.js';
import { RetryBudget } from './retry-budget.js';

/** Creates a typed client of `service` whose calls are spread over the endpoints by the balancer. */
export function createClient<S extends ServiceDescriptor>(service: S, options: ClientOptions<S>): Client<S> {
  const where = `createClient(${service.name})`;
  const resolver = resolverOf(options, where);
  const policyOf = methodPolicies(service, options, where);
  const waitForReadyMs = options.waitForReadyMs ?? 10_000;
  const balancer = options.balancer ?? roundRobin();
  const set = new EndpointSet(
    service.name,
    balancer,
    {
      healthService: options.healthCheck === false ? undefined : service.name,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      grpcOptions: channelOptions(options),
    },
    options.outlierDetection ?? {},
  );
  const membership = new Membership(resolver, service.name, set);
  const runner = new CallRunner(set, balancer, {
    deadlineMs: options.deadlineMs,
    waitForReadyMs,
    policyOf,
    budget: new RetryBudget(options.retryBudget),
    random: options.random ?? Math.random,
  });

  const controls: ClientControls = {
    ready: (ready = {}) => set.whenReady(ready.all ?? false, Date.now() + (ready.timeoutMs ?? waitForReadyMs)),
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
