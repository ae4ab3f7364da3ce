/**
 * What a simulation runs: modelled nodes, modelled clients, the balancers to compare and
 * how long. A scenario is plain data (a built-in one from `scenarios.ts`, or a JSON file
 * given to `switchboard simulate`), checked by {@link checkScenario} with errors that name
 * the field, the value and what is allowed.
 */
import type { BalancerOptions } from '../balancer/registry.js';
import type { SubsetStrategy } from '../client/endpoints/subset.js';
import { integerAtLeast, numberAtLeast, outOfRange, positiveNumber } from '../common/option-checks.js';

/** How a node's service time is drawn around its mean. */
export type ServiceDistribution = 'fixed' | 'exponential' | 'lognormal';

/** A period during which a node serves `factor` times slower. */
export interface Slowdown {
  readonly atMs: number;
  readonly forMs: number;
  readonly factor: number;
}

/** A group of identical nodes. */
export interface NodeGroup {
  /** How many nodes (ids `<name>-0`, `<name>-1`, ...). */
  readonly count: number;
  /** Group name, the prefix of the node ids (default `node`). */
  readonly name?: string;
  /** Mean service time of one call, ms. */
  readonly serviceMs: number;
  /** Default `fixed` (every call takes `serviceMs`). */
  readonly distribution?: ServiceDistribution;
  /** Shape of `lognormal` (σ of the log, default 0.5). */
  readonly sigma?: number;
  /** Calls served at once (capacity = workers / serviceMs); more wait in FIFO order (default 1). */
  readonly workers?: number;
  /** The static weight the nodes announce (default 1). */
  readonly weight?: number;
  /** Share of calls the nodes fail at once with UNAVAILABLE (default 0). */
  readonly errorRate?: number;
  /** Slower service for a while. */
  readonly slowdowns?: readonly Slowdown[];
  /** The nodes join at this time, ms (default 0: from the start). */
  readonly joinAtMs?: number;
  /** After joining, service takes `factor` × longer, falling linearly to 1× over `ms` (a cold cache, a JIT). */
  readonly slowStart?: { readonly factor: number; readonly ms: number };
}

/** Clients that keep a fixed number of calls in flight each (a new call when one ends). */
export interface ClosedLoopClients {
  readonly count: number;
  readonly mode: 'closed';
  readonly concurrency: number;
}

/** Clients that start calls as a Poisson process, whatever the answers. */
export interface OpenLoopClients {
  readonly count: number;
  readonly mode: 'open';
  /** Calls per second, per client. */
  readonly ratePerSecond: number;
}

/** Stalls of each client's process as a Poisson process of `ratePerSecond`, lengths drawn from `samplesMs`. */
export interface RandomStalls {
  readonly ratePerSecond: number;
  readonly samplesMs: readonly number[];
}

/** Stalls measured in a real run, replayed: `[start, length]` in ms from the start of the measurement. */
export interface ReplayedStalls {
  readonly replayMs: readonly (readonly [number, number])[];
}

/** A balancer to compare: a registered name, or a name with options for its factory. */
export type BalancerSpec =
  | string
  | { readonly name: string; readonly label?: string; readonly options?: BalancerOptions };

/** One simulation. */
export interface Scenario {
  readonly name: string;
  readonly description?: string;
  readonly nodes: readonly NodeGroup[];
  readonly clients: ClosedLoopClients | OpenLoopClients;
  /** Each client connects only to `size` of the nodes (`selectSubset`); default: all. */
  readonly subset?: { readonly size: number; readonly strategy: SubsetStrategy };
  /** Default: roundRobin, leastLoad. */
  readonly balancers?: readonly BalancerSpec[];
  /** Measured time, ms: calls are started for this long, then the ones in flight finish. */
  readonly durationMs: number;
  /** Load before the measurement (same clients, same balancers, calls drained in between), ms (default 0). */
  readonly warmupMs?: number;
  /**
   * Client and network time per call on top of the node's, ms (default 0): a constant, or
   * measured samples that each call draws one of at random (an empirical distribution).
   */
  readonly overheadMs?: number | readonly number[];
  /**
   * Stalls of each client's process (garbage collection, CPU taken by others), random or
   * replayed: an answer that arrives during a stall is taken when it ends, with every
   * other one that arrived meanwhile.
   */
  readonly clientStalls?: RandomStalls | ReplayedStalls;
  /**
   * Nodes attach load reports to every response (utilization over `intervalMs`, calls in
   * flight, qps), describing the node as it was `staleMs` before (default 0); absent: no reports.
   */
  readonly reports?: { readonly intervalMs?: number; readonly staleMs?: number };
  /** τ of the endpoints' EWMAs, the client option `latencyDecayMs` (default 1000). */
  readonly latencyDecayMs?: number;
  /** Seed of every random choice (default 1). */
  readonly seed?: number;
}

const DISTRIBUTIONS: readonly ServiceDistribution[] = ['fixed', 'exponential', 'lognormal'];

/** `scenario` if every field is valid; a RangeError naming the first bad one otherwise. */
export function checkScenario(scenario: Scenario): Scenario {
  const where = `scenario "${scenario.name}"`;
  if (!Array.isArray(scenario.nodes) || scenario.nodes.length === 0)
    throw outOfRange(where, 'nodes', 'a non-empty list of node groups', JSON.stringify(scenario.nodes));
  for (const [i, group] of scenario.nodes.entries()) checkGroup(group, `${where}: nodes[${i}]`);
  const clients = scenario.clients;
  if (typeof clients !== 'object' || clients === null)
    throw outOfRange(where, 'clients', "{ count, mode: 'closed' | 'open', ... }", JSON.stringify(clients));
  integerAtLeast(clients.count, 1, where, 'clients.count');
  if (clients.mode === 'closed') integerAtLeast(clients.concurrency, 1, where, 'clients.concurrency');
  else if (clients.mode === 'open') positiveNumber(clients.ratePerSecond, where, 'clients.ratePerSecond');
  else throw outOfRange(where, 'clients.mode', "'closed' or 'open'", (clients as { mode: unknown }).mode);
  if (scenario.subset !== undefined) integerAtLeast(scenario.subset.size, 1, where, 'subset.size');
  positiveNumber(scenario.durationMs, where, 'durationMs');
  numberAtLeast(scenario.warmupMs ?? 0, 0, where, 'warmupMs');
  const overhead = scenario.overheadMs ?? 0;
  if (typeof overhead === 'number') numberAtLeast(overhead, 0, where, 'overheadMs');
  else if (!Array.isArray(overhead) || overhead.length === 0)
    throw outOfRange(where, 'overheadMs', 'a number or a non-empty list of samples', JSON.stringify(overhead));
  else for (const [i, ms] of overhead.entries()) numberAtLeast(ms, 0, where, `overheadMs[${i}]`);
  const stalls = scenario.clientStalls;
  if (stalls !== undefined && 'replayMs' in stalls) {
    for (const [i, [at, ms]] of stalls.replayMs.entries()) {
      numberAtLeast(at, 0, where, `clientStalls.replayMs[${i}][0]`);
      positiveNumber(ms, where, `clientStalls.replayMs[${i}][1]`);
    }
  } else if (stalls !== undefined) {
    numberAtLeast(stalls.ratePerSecond, 0, where, 'clientStalls.ratePerSecond');
    if (!Array.isArray(stalls.samplesMs) || stalls.samplesMs.length === 0)
      throw outOfRange(where, 'clientStalls.samplesMs', 'a non-empty list of ms', JSON.stringify(stalls.samplesMs));
    for (const [i, ms] of stalls.samplesMs.entries()) positiveNumber(ms, where, `clientStalls.samplesMs[${i}]`);
  }
  if (scenario.reports !== undefined) {
    positiveNumber(scenario.reports.intervalMs ?? 200, where, 'reports.intervalMs');
    numberAtLeast(scenario.reports.staleMs ?? 0, 0, where, 'reports.staleMs');
  }
  positiveNumber(scenario.latencyDecayMs ?? 1000, where, 'latencyDecayMs');
  return scenario;
}

function checkGroup(group: NodeGroup, where: string): void {
  integerAtLeast(group.count, 1, where, 'count');
  positiveNumber(group.serviceMs, where, 'serviceMs');
  const distribution = group.distribution ?? 'fixed';
  if (!DISTRIBUTIONS.includes(distribution))
    throw outOfRange(where, 'distribution', DISTRIBUTIONS.map((d) => `'${d}'`).join(', '), distribution);
  positiveNumber(group.sigma ?? 0.5, where, 'sigma');
  integerAtLeast(group.workers ?? 1, 1, where, 'workers');
  positiveNumber(group.weight ?? 1, where, 'weight');
  const errorRate = group.errorRate ?? 0;
  if (!(errorRate >= 0 && errorRate <= 1)) throw outOfRange(where, 'errorRate', 'between 0 and 1', errorRate);
  for (const [i, s] of (group.slowdowns ?? []).entries()) {
    numberAtLeast(s.atMs, 0, where, `slowdowns[${i}].atMs`);
    positiveNumber(s.forMs, where, `slowdowns[${i}].forMs`);
    positiveNumber(s.factor, where, `slowdowns[${i}].factor`);
  }
  numberAtLeast(group.joinAtMs ?? 0, 0, where, 'joinAtMs');
  if (group.slowStart !== undefined) {
    numberAtLeast(group.slowStart.factor, 1, where, 'slowStart.factor');
    positiveNumber(group.slowStart.ms, where, 'slowStart.ms');
  }
}
