// The public API of Switchboard for its users: an explicit export list, nothing else.
// What balancer and resolver authors need is in extend.ts (`switchboard/extend`).

export { Metadata } from '@grpc/grpc-js';
export type { Balancer } from './balancer/balancer.js';
export { type BalancerOptions, balancers, createBalancer } from './balancer/registry.js';
export type { ConsistentHashOptions } from './balancer/consistent-hash.js';
export type { DynamicWeightOptions } from './balancer/dynamic-weights.js';
export type { LeastLoadOptions } from './balancer/least-load.js';
export type { RandomOptions } from './balancer/random.js';
export type { RoundRobinOptions } from './balancer/round-robin.js';
export type { RouteOptions, RouteRule, RouteSubset } from './balancer/route.js';
export type { WeightedOptions } from './balancer/weighted.js';
export type { SpilloverOptions, ZoneAwareOptions } from './balancer/zone-aware.js';
export type {
  BroadcastNode,
  BroadcastOptions,
  BroadcastResult,
  BroadcastSuccess,
  ClientBroadcast,
  UnaryMethodName,
} from './client/api/broadcast-types.js';
export { type Aggregate, aggregate, quorum } from './client/cluster/broadcast.js';
export { createClient } from './client/client.js';
export type { ClientOptions, KeepaliveOptions, MethodOptions } from './client/client-options.js';
export type { OutlierDetectionOptions } from './client/endpoints/outlier-detector.js';
export type { SubsetOptions, SubsetStrategy } from './client/endpoints/subset.js';
export type { RetryBudgetOptions } from './client/call/retry-budget.js';
export type { BackoffOptions, RetryOptions } from './client/call/retry-policy.js';
export type { HedgingOptions } from './client/call/hedging-policy.js';
export type { ConcurrencyLimitOption } from './client/endpoints/concurrency-limit.js';
export type { ThrottleOptions } from './client/call/adaptive-throttle.js';
export type { ClientCall, ClientInterceptor } from './client/api/client-interceptor.js';
export type {
  BudgetStats,
  ClientStats,
  ConcurrencyQueueStats,
  DiscoveryStats,
  EndpointState,
  EndpointStats,
  SubsetStats,
  ThrottleStats,
} from './client/api/client-stats.js';
export { type BearerTokenOptions, bearerToken } from './client/call/bearer-token.js';
export type { ClientTlsOptions } from './client/endpoints/client-tls.js';
export type { CallOptions, Compression } from './client/api/call-options.js';
export type { Client, ClientControls, ClientMethod, ReadyOptions } from './client/api/client-types.js';
export {
  type TaskDispatcherOptions,
  type TaskDispatcherStats,
  TaskDispatcher,
  type TaskHandle,
  type TaskOptions,
} from './client/cluster/task-dispatcher.js';
export { DEFAULT_MAX_MESSAGE_BYTES, type MessageLimits } from './common/message-limits.js';
export type { MetadataInit } from './common/metadata.js';
export type { PemSource } from './common/pem.js';
export { RpcError, type RpcErrorSource } from './common/rpc-error.js';
export { seededRandom } from './common/seeded-random.js';
export { Status, statusName } from './common/status.js';
export { type DnsResolverOptions, dnsResolver } from './discovery/dns-resolver.js';
export { type EtcdRegistry, type EtcdRegistryOptions, etcdRegistry } from './discovery/etcd-registry.js';
export type { Member } from './discovery/registry.js';
export type { EndpointInput } from './discovery/resolver.js';
export { staticResolver } from './discovery/static-resolver.js';
export type { AdaptiveLimitOptions } from './load/adaptive-limit.js';
export type { HttpEndpoint, HttpListenOptions } from './observability/http-listen.js';
export type { LatencySummary } from './observability/latency-histogram.js';
export type { MethodStats } from './observability/method-stats.js';
export { createMetrics, type Metrics, type MetricsOptions } from './observability/metrics.js';
export type { Telemetry } from './observability/telemetry.js';
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
export type { AdmissionOptions, AdmissionStats } from './server/concurrency-limit.js';
export type { QueueOptions } from './server/call-queue.js';
export type { ServerTlsOptions } from './server/server-tls.js';
export { type AuthDecision, type BearerAuthOptions, bearerAuth } from './server/bearer-auth.js';
