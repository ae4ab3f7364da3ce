import { describe, expect, it } from 'vitest';
import { Status } from 'switchboard';
import { RetryBudget } from '../../src/client/call/retry-budget.js';
import { backoffDelay, retryPolicy } from '../../src/client/call/retry-policy.js';

describe('retry policy', () => {
  it('grows the backoff exponentially up to the cap, with jitter below the nominal delay', () => {
    const policy = retryPolicy(
      { backoff: { initialMs: 10, maxMs: 100, multiplier: 2, jitter: 0.5 } },
      undefined,
      'test',
    );
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n, () => 0))).toEqual([10, 20, 40, 80, 100]);
    expect(backoffDelay(policy, 3, () => 0.999)).toBeCloseTo(20.02, 1);
  });

  it('fills defaults, lets a method override fields, and names bad values', () => {
    const base = retryPolicy(undefined, undefined, 'client');
    expect(base.maxAttempts).toBe(3);
    expect([...base.retryOn]).toEqual([Status.UNAVAILABLE]);
    const method = retryPolicy({ maxAttempts: 5 }, base, 'client methods.get');
    expect(method.maxAttempts).toBe(5);
    expect(method.backoff).toEqual(base.backoff);
    expect(() => retryPolicy({ maxAttempts: 0 }, undefined, 'createClient(x)')).toThrow(
      'createClient(x): retry.maxAttempts must be an integer ≥ 1, got 0',
    );
  });
});

describe('retry budget', () => {
  it('allows the floor plus a share of calls per window, and refills as the window slides', () => {
    let now = 0;
    const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 1, windowMs: 10_000 }, () => now);
    for (let i = 0; i < 100; i++) budget.recordCall();
    let granted = 0;
    while (budget.tryRetry()) granted++;
    expect(granted).toBe(10 + 20); // 1/s over 10 s, plus 20% of 100 calls
    now = 11_000; // the whole window has passed
    granted = 0;
    while (budget.tryRetry()) granted++;
    expect(granted).toBe(10);
  });
});
