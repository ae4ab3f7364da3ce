import type { BudgetStats } from '../api/client-stats.js';
import { WindowCounter } from '../../observability/window-counter.js';

/** How many retries a client may spend, so a sick cluster is not stormed. */
export interface RetryBudgetOptions {
  /** Retries allowed per call made, over the window (default 0.2: one retry per five calls). */
  readonly ratio?: number;
  /** Retries always allowed per second, however few calls are made (default 10). */
  readonly minPerSecond?: number;
  /** Length of the sliding window, ms (default 10 000). */
  readonly windowMs?: number;
}

/** What a budget allows when its options leave a field out, and its name in errors. */
export interface BudgetDefaults {
  readonly name: string;
  readonly ratio: number;
  readonly minPerSecond: number;
}

/** The retry budget's defaults: one retry per five calls, plus 10 a second. */
const RETRY_BUDGET: BudgetDefaults = { name: 'retryBudget', ratio: 0.2, minPerSecond: 10 };

const CALLS = 0;
const RETRIES = 1;

/**
 * A retry budget (Finagle `RetryBudget`, gRFC A6 retry throttling in spirit): over a
 * sliding window, retries ≤ minPerSecond × window + ratio × calls. When every node fails,
 * each call gets its first attempt and the cluster sees at most `1 + ratio` times the
 * callers' load instead of `maxAttempts` times. The window is kept in ten buckets
 * (`WindowCounter`), so recording is O(1) and nothing is allocated per call. The hedging
 * budget is the same account with its own defaults (`HEDGING_BUDGET`).
 */
export class RetryBudget {
  private readonly counts: WindowCounter;
  private readonly ratio: number;
  private readonly floor: number;
  private readonly now: () => number;

  constructor(
    options: RetryBudgetOptions = {},
    now: () => number = () => performance.now(),
    defaults: BudgetDefaults = RETRY_BUDGET,
  ) {
    this.ratio = options.ratio ?? defaults.ratio;
    const windowMs = options.windowMs ?? 10_000;
    const minPerSecond = options.minPerSecond ?? defaults.minPerSecond;
    if (!(this.ratio >= 0) || !(windowMs > 0) || !(minPerSecond >= 0)) {
      throw new RangeError(
        `${defaults.name}: ratio, minPerSecond must be ≥ 0 and windowMs > 0, got ${JSON.stringify(options)}`,
      );
    }
    this.floor = (minPerSecond * windowMs) / 1000;
    this.counts = new WindowCounter(windowMs, 10, 2);
    this.now = now;
  }

  /** A call (its first attempt) starts. */
  recordCall(): void {
    this.counts.add(this.now(), CALLS);
  }

  /** Takes one retry (or hedge) from the budget; false when it is spent. */
  tryRetry(): boolean {
    const now = this.now();
    if (this.counts.total(now, RETRIES) + 1 > this.floor + this.ratio * this.counts.total(now, CALLS)) return false;
    this.counts.add(now, RETRIES);
    return true;
  }

  /** The window's calls, what was spent and what is left. */
  stats(): BudgetStats {
    const now = this.now();
    const calls = this.counts.total(now, CALLS);
    const spent = this.counts.total(now, RETRIES);
    return { calls, spent, available: Math.max(0, Math.floor(this.floor + this.ratio * calls - spent)) };
  }
}
