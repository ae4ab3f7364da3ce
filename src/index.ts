// The public API of Switchboard: an explicit export list, nothing else.

export { Metadata } from '@grpc/grpc-js';
export type { Balancer, CallOutcome, Endpoint, LoadReport, PickContext } from './balancer/balancer.js';
export { type BalancerFactory, type BalancerOptions, balancers, createBalancer, registerBalancer } from './balancer/registry.js';
export type { ConsistentHashOptions } from './balancer/consistent-hash.js';
export type { DynamicWeightOptions } from './balancer/dynamic-weights.js';
export type { LeastLoadOptions } from './balancer/least-load.js';
export type { RandomOptions } from './balancer/random.js';
export type { RoundRobinOptions } from './balancer/round-robin.js';
export type { RouteOptions, RouteRule, RouteSubset } from './balancer/route.js';
export type { WeightedOptions } from './balancer/weighted.js';
export type { SpilloverOptions, ZoneAwareOptions } from './balancer/zone-aware.js';
export {
  type Aggregate,
  aggregate,
  type BroadcastNode,
  type BroadcastOptions,
  type BroadcastResult,
  type BroadcastSuccess,
  type ClientBroadcast,
  quorum,
  type UnaryMethodName,
} from './client/broadcast.js';
export { createClient } from './client/client.js';
export type { ClientOptions, KeepaliveOptions, MethodOptions } from './client/client-options.js';
export type { OutlierDetectionOptions } from './client/outlier-detector.js';
export type { RetryBudgetOptions } from './client/retry-budget.js';
export type { BackoffOptions, RetryOptions } from './client/retry-policy.js';
export type { ClientCall, ClientInterceptor } from './client/client-interceptor.js';
export type { ClientStats, DiscoveryStats, EndpointState, EndpointStats } from './client/client-stats.js';
export { type BearerTokenOptions, bearerToken } from './client/bearer-token.js';
export type { ClientTlsOptions } from './client/client-tls.js';
export type { Compression } from './client/compression.js';
export type { CallOptions, Client, ClientControls, ClientMethod, ReadyOptions } from './client/client-types.js';
export type { EndpointConfig } from './client/endpoint.js';
export {
  type TaskDispatcherOptions,
  type TaskDispatcherStats,
  TaskDispatcher,
  type TaskHandle,
  type TaskOptions,
} from './client/task-dispatcher.js';
export { DEFAULT_MAX_MESSAGE_BYTES, type MessageLimits } from './common/message-limits.js';
export type { MetadataInit } from './common/metadata.js';
export type { PemSource } from './common/pem.js';
export { RpcError, type RpcErrorSource } from './common/rpc-error.js';
export { seededRandom } from './common/seeded-random.js';
export { Status, statusName } from './common/status.js';
export { type DnsResolverOptions, dnsResolver } from './discovery/dns-resolver.js';
export { type EtcdRegistry, type EtcdRegistryOptions, etcdRegistry } from './discovery/etcd-registry.js';
export type { Member, NodeRecord, Registration, Registry } from './discovery/registry.js';
export type { EndpointInput, ResolvedEndpoint, Resolver, Unsubscribe } from './discovery/resolver.js';
export { staticResolver } from './discovery/static-resolver.js';
export type { HttpEndpoint, HttpListenOptions } from './observability/http-listen.js';
export type { LatencySummary } from './observability/latency-histogram.js';
export type { MethodStats } from './observability/method-stats.js';
export { createMetrics, type Metrics, type MetricsOptions } from './observability/metrics.js';
export {
  bidiStream,
  clientStream,
  defineService,
  type MethodDefinition,
  type MethodDescriptor,
  type ProtoSchema,
  type ServiceDescriptor,
  serverStream,
  unary,
} from './schema/descriptor.js';
export { type LooseMessage, type LooseServiceDescriptor, loadService } from './schema/load-service.js';
export type { ProtoLoadOptions } from './schema/proto-files.js';
export type { DeepPartial, RequestOf, ResponseOf, StreamInput } from './schema/types.js';
export type { CallContext, Handler, Handlers } from './server/handler-types.js';
export type { AppLoad, LoadSnapshot } from './server/load-reporter.js';
export type { ServerCall, ServerInterceptor } from './server/server-interceptor.js';
export { createServer } from './server/server.js';
export type { ListenResult, Server, ServerOptions, ServerStats, ShutdownOptions } from './server/server-types.js';
export type { ServerTlsOptions } from './server/server-tls.js';
export { type AuthDecision, type BearerAuthOptions, bearerAuth } from './server/bearer-auth.js';
