import { describe, expect, it } from 'vitest';
import { RecentLatencies } from '../../src/observability/recent-latencies.js';

describe('RecentLatencies', () => {
  it('gives the quantile of the samples within the window only', () => {
    const recent = new RecentLatencies(5000, 1024);
    // 100 old slow samples, then 100 fast ones 6 s later: the slow ones are out of the window.
    for (let i = 0; i < 100; i++) recent.record(500, 1000 + i);
    for (let i = 1; i <= 100; i++) recent.record(i, 7000 + i);
    expect(recent.quantile(0.99, 7100)).toBe(100);
    expect(recent.quantile(0.5, 7100)).toBe(51);
    // While the old ones are still young they dominate the tail.
    expect(recent.quantile(0.99, 5000)).toBe(500);
    expect(recent.quantile(0.99, 20_000)).toBe(0);
  });

  it('keeps only the last `capacity` samples', () => {
    const recent = new RecentLatencies(60_000, 4);
    for (const ms of [900, 800, 1, 2, 3, 4]) recent.record(ms, 10);
    expect(recent.quantile(0.99, 10)).toBe(4);
    expect(recent.quantile(0, 10)).toBe(1);
  });
});
