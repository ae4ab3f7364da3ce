import { integerAtLeast, numberAtLeast, outOfRange, positiveNumber } from '../../common/option-checks.js';
import { Status } from '../../common/status.js';
import type { BudgetDefaults } from './retry-budget.js';

/**
 * Hedged calls (gRFC A6 `hedgingPolicy`; Dean & Barroso, "The Tail at Scale"): when an
 * attempt has not answered after the delay, the same call goes to a node not yet tried, and
 * the first answer wins; the other attempts are cancelled. For idempotent methods only; a
 * method that hedges does not retry (its retry `maxAttempts` does not apply).
 */
export interface HedgingOptions {
  /** Attempts per call, counting the first (2 or more; at most one per node). */
  readonly maxAttempts: number;
  /**
   * Wait before each hedge, ms. Default: adaptive, the `percentile` of this method's recent
   * latency on this client (each answered call's winning attempt, from that attempt's
   * start), never below `minDelayMs`; no hedge is sent before the
   * method has answered enough calls for the percentile to mean something.
   */
  readonly delayMs?: number;
  /**
   * The percentile of recent latency the adaptive delay waits for, in (0, 1) (default 0.95,
   * Dean & Barroso's): under steady load at most about `1 − percentile` of calls hedge, and
   * fewer, since a call whose answer is in by the time its hedge is due sends none.
   */
  readonly percentile?: number;
  /** Floor of the adaptive delay, ms (default 5): calls faster than this are not worth a second attempt. */
  readonly minDelayMs?: number;
  /**
   * Codes after which the next hedge is sent at once rather than the call failing (default
   * `[UNAVAILABLE]`). Any other code is fatal: the call ends with it and no hedge follows.
   */
  readonly nonFatalCodes?: readonly Status[];
}

/** The adaptive delay's percentile, the paper's (decision 0041 says why it stays under 3% extra attempts). */
const DEFAULT_PERCENTILE = 0.95;

/** The hedging budget's defaults: one hedge per ten calls of hedged methods, plus one a second. */
export const HEDGING_BUDGET: BudgetDefaults = { name: 'hedgingBudget', ratio: 0.1, minPerSecond: 1 };

/** `HedgingOptions` checked, with every default filled in. */
export interface HedgingPolicy {
  readonly maxAttempts: number;
  /** The fixed delay, or undefined for the adaptive one. */
  readonly delayMs: number | undefined;
  readonly minDelayMs: number;
  readonly percentile: number;
  readonly nonFatalCodes: ReadonlySet<number>;
}

/** Checks `options`; `where` names the method (or the client) and `name` the option in errors. */
export function hedgingPolicy(options: HedgingOptions, where: string, name: string): HedgingPolicy {
  if (typeof options !== 'object' || options === null) throw outOfRange(where, name, 'an object', options);
  integerAtLeast(options.maxAttempts, 2, where, `${name}.maxAttempts`);
  if (options.delayMs !== undefined) numberAtLeast(options.delayMs, 0, where, `${name}.delayMs`);
  const minDelayMs = positiveNumber(options.minDelayMs ?? 5, where, `${name}.minDelayMs`);
  const percentile = options.percentile ?? DEFAULT_PERCENTILE;
  if (!(percentile > 0 && percentile < 1)) throw outOfRange(where, `${name}.percentile`, 'in (0, 1)', percentile);
  return {
    maxAttempts: options.maxAttempts,
    delayMs: options.delayMs,
    minDelayMs,
    percentile,
    nonFatalCodes: new Set(options.nonFatalCodes ?? [Status.UNAVAILABLE]),
  };
}
