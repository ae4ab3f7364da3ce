import { integerAtLeast } from '../../common/option-checks.js';
import { AdaptiveLimit, type AdaptiveLimitOptions } from '../../load/adaptive-limit.js';

/**
 * The `concurrencyLimit` option: `'adaptive'` (an {@link AdaptiveLimit} per node with its
 * defaults), its settings, or a fixed number of calls in flight per node.
 */
export type ConcurrencyLimitOption = 'adaptive' | AdaptiveLimitOptions | number;

/** This client's limit of calls in flight on one node, fed by every attempt that ends there. */
export interface ConcurrencyLimit {
  /** Calls that may be in flight now. */
  readonly limit: number;
  /** An attempt ended OK after `latencyMs`, `inFlight` attempts (itself included) in flight when it began. */
  sample(latencyMs: number, inFlight: number): void;
  /** An attempt was refused for overload (RESOURCE_EXHAUSTED) or ran out of time (DEADLINE_EXCEEDED). */
  drop(): void;
}

/** How the client limits each node's calls in flight, and how many calls may wait for a slot. */
export interface EndpointLimits {
  /** A new limit, for a node that joins. */
  readonly create: () => ConcurrencyLimit;
  /** Calls that may wait when every ready node is at its limit (`concurrencyQueueLimit`). */
  readonly queueLimit: number;
}

/**
 * Default `concurrencyQueueLimit`. The deadline check bounds the queue under overload; the count only bounds
 * memory (a bound of 64 refused calls at 1x capacity that the nodes would have served in time, `bench/overload.ts`).
 */
const DEFAULT_QUEUE_LIMIT = 1000;

/** The per-node limits of `option` (checked once, here), or undefined without the option. */
export function endpointLimits(
  option: ConcurrencyLimitOption | undefined,
  queueLimit: number | undefined,
  where: string,
): EndpointLimits | undefined {
  if (option === undefined) {
    if (queueLimit !== undefined) {
      throw new TypeError(`${where}: concurrencyQueueLimit needs concurrencyLimit (the queue is for calls over it)`);
    }
    return undefined;
  }
  const queue = integerAtLeast(queueLimit ?? DEFAULT_QUEUE_LIMIT, 0, where, 'concurrencyQueueLimit');
  if (typeof option === 'number') {
    const fixed = { limit: integerAtLeast(option, 1, where, 'concurrencyLimit'), sample() {}, drop() {} };
    return { create: () => fixed, queueLimit: queue };
  }
  if (option !== 'adaptive' && (typeof option !== 'object' || option === null)) {
    throw new TypeError(
      `${where}: concurrencyLimit must be 'adaptive', a number or AdaptiveLimitOptions, got ${String(option)}`,
    );
  }
  const settings = option === 'adaptive' ? {} : option;
  // Built once so that bad settings fail createClient, not the first node to connect.
  new AdaptiveLimit(where, settings);
  return { create: () => new AdaptiveLimit(where, settings), queueLimit: queue };
}
