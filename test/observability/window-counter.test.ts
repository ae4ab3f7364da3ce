import { describe, expect, it } from 'vitest';
import { CodeCounts } from '../../src/observability/code-counts.js';
import { WindowCounter } from '../../src/observability/window-counter.js';

describe('WindowCounter', () => {
  it('counts events of the last window and forgets older buckets', () => {
    const counter = new WindowCounter(10_000, 10);
    for (let t = 0; t < 10_000; t += 100) counter.add(t); // 10 per second for 10 s
    expect(counter.total(9_999)).toBe(100);
    expect(counter.total(10_500)).toBe(90); // the first second left the window
    expect(counter.total(15_000)).toBe(40);
    expect(counter.total(25_000)).toBe(0);
    counter.add(25_000);
    expect(counter.total(25_001)).toBe(1);
  });

  it('skips a long gap without leaving stale counts', () => {
    const counter = new WindowCounter(1000, 4);
    counter.add(10);
    counter.add(260);
    counter.add(1_000_000);
    expect(counter.total(1_000_000)).toBe(1);
  });

  it('keeps counters side by side, and drops an event timed before the window', () => {
    const counts = new WindowCounter(1000, 10, 2);
    counts.add(0, 0);
    counts.add(50, 1);
    counts.add(950, 0);
    expect([counts.total(950, 0), counts.total(950, 1)]).toEqual([2, 1]);
    // At 1000 ms the bucket [0, 100) has left the window, with one event of each counter.
    expect([counts.total(1000, 0), counts.total(1000, 1)]).toEqual([1, 0]);
    counts.add(400, 1); // read earlier than the newest event, still in the window: counted
    counts.add(99, 1); // behind the window: not counted
    expect([counts.total(1000, 0), counts.total(1000, 1)]).toEqual([1, 1]);
    expect([counts.total(1450, 0), counts.total(1450, 1)]).toEqual([1, 0]);
  });

  it('counts right in the first seconds of the clock', () => {
    const counter = new WindowCounter(10_000, 10);
    counter.add(1500);
    counter.add(2500);
    expect(counter.total(3000)).toBe(2);
  });
});

describe('CodeCounts', () => {
  it('names the failed codes it counted', () => {
    const codes = new CodeCounts();
    codes.add(14);
    codes.add(14);
    codes.add(3);
    codes.add(99);
    expect(codes.failures()).toEqual({ UNAVAILABLE: 2, INVALID_ARGUMENT: 1, OTHER: 1 });
  });
});
