import { describe, expect, it } from 'vitest';
import { AdaptiveLimit } from '../../src/load/adaptive-limit.js';

/**
 * A node of 4 workers taking `serviceMs` a call, 1 ms away, called with the limit's worth of
 * calls always in flight.
 */
function drive(limit: AdaptiveLimit, clock: { t: number }, serviceMs: number, ms: number): void {
  const end = clock.t + ms;
  while (clock.t < end) {
    const inFlight = limit.limit;
    // A call waits for the calls queued before it on the 4 workers, then is served.
    clock.t += serviceMs / 4;
    limit.sample(Math.ceil(inFlight / 4) * serviceMs + 1, inFlight);
  }
}

describe('AdaptiveLimit', () => {
  it('settles near tolerance × the no-load latency, shrinks when the node turns slow and grows back', () => {
    const clock = { t: 0 };
    const limit = new AdaptiveLimit('test', { probeIntervalMs: 1e9 }, () => clock.t);
    // Learn the no-load latency (3 ms) at one call in flight.
    for (let i = 0; i < 50; i++) {
      clock.t += 3;
      limit.sample(3, 1);
    }
    expect(limit.noLoadLatencyMs).toBe(3);
    drive(limit, clock, 2, 3000);
    // 2 · 3 ms tolerated: two to four calls queued per worker (not the initial 20).
    const settled = limit.limit;
    expect(settled).toBeGreaterThanOrEqual(8);
    expect(settled).toBeLessThanOrEqual(14);
    // The node turns 10x slower: every sample is far over 2 · 3 ms; the limit falls to where halving
    // it and adding its square root gives it back (4), one call per worker.
    drive(limit, clock, 20, 3000);
    expect(limit.limit).toBe(4);
    // Back to 2 ms: it grows back to where it was.
    drive(limit, clock, 2, 3000);
    expect(limit.limit).toBeGreaterThanOrEqual(settled - 1);
    expect(limit.limit).toBeLessThanOrEqual(settled + 1);
  });

  it('does not grow while the caller keeps fewer than half of it in flight', () => {
    const clock = { t: 0 };
    const limit = new AdaptiveLimit('test', { initial: 20 }, () => clock.t);
    for (let i = 0; i < 1000; i++) {
      clock.t += 1;
      limit.sample(3, 2);
    }
    expect(limit.limit).toBe(20);
  });

  it('re-measures the no-load latency at its minimum once per probe interval', () => {
    const clock = { t: 0 };
    const limit = new AdaptiveLimit('test', { probeIntervalMs: 1000, min: 2 }, () => clock.t);
    for (let i = 0; i < 50; i++) {
      clock.t += 3;
      limit.sample(3, 1);
    }
    // The node now takes 10 ms per call even alone: without the probe, 3 ms would stay the no-load figure.
    const seen: number[] = [];
    for (let i = 0; i < 400; i++) {
      clock.t += 10;
      seen.push(limit.limit);
      limit.sample(10 * limit.limit, limit.limit);
    }
    expect(seen).toContain(2);
    expect(limit.noLoadLatencyMs).toBe(20);
  });

  it('backs off at once on a drop, never under min', () => {
    const limit = new AdaptiveLimit('test', { initial: 10, min: 8 });
    limit.drop();
    expect(limit.limit).toBe(9);
    limit.drop();
    limit.drop();
    expect(limit.limit).toBe(8);
  });

  it('starts inside a min or a max given alone', () => {
    expect(new AdaptiveLimit('test', { max: 10 }).limit).toBe(10);
    expect(new AdaptiveLimit('test', { min: 50 }).limit).toBe(50);
    expect(new AdaptiveLimit('test', { min: 5, max: 8, initial: 6 }).limit).toBe(6);
  });

  it('names the option and the rule it broke', () => {
    expect(() => new AdaptiveLimit('createClient(Echo)', { min: 5, initial: 2 })).toThrow(
      'createClient(Echo): concurrency limit initial must be between min 5 and max 1000, got 2',
    );
    expect(() => new AdaptiveLimit('createServer(a)', { smoothing: 0 })).toThrow(
      'createServer(a): concurrency limit smoothing must be in (0, 1], got 0',
    );
  });
});
