// The API of Switchboard for balancer and resolver authors (`switchboard/extend`): the
// contracts a custom strategy or membership source implements, and the load signals the
// built-in strategies read, so a custom one weighs endpoints the same way; and the
// telemetry hooks, for a backend other than `switchboard/otel`; and the simulator, which
// runs registered balancers against modelled fleets on a virtual clock.

export type { Balancer, CallOutcome, Endpoint, LoadReport, PickContext } from './balancer/balancer.js';
export { type BalancerFactory, registerBalancer } from './balancer/registry.js';
export { firstUntried, wasTried } from './balancer/tried.js';
export type { Member, NodeRecord, Registration, Registry } from './discovery/registry.js';
export type { EndpointInput, ResolvedEndpoint, Resolver, Unsubscribe } from './discovery/resolver.js';
export { cost } from './load/cost.js';
export { type DecayingEwma, floorEwma, peakEwma } from './load/decaying-ewma.js';
export { freshLoad, LOAD_REPORT_TTL_MS, queueDepth } from './load/load-signals.js';
export type {
  AttemptEnd,
  ClientTelemetry,
  EndedAttempt,
  Telemetry,
  TelemetryCall,
} from './observability/telemetry.js';
export type { Herding } from './sim/herd-counter.js';
export type {
  BalancerSpec,
  ClosedLoopClients,
  NodeGroup,
  OpenLoopClients,
  Scenario,
  ServiceDistribution,
  Slowdown,
} from './sim/scenario.js';
export { simulationScenarios } from './sim/scenarios.js';
export {
  type BalancerOutcome,
  type SimLatency,
  type SimulateOptions,
  type SimulationResult,
  simulate,
} from './sim/simulate.js';
