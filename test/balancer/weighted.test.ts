import { describe, expect, it } from 'vitest';
import { type Balancer, seededRandom } from 'switchboard';
import type { LoadReport } from 'switchboard/extend';
import { reportWeight } from '../../src/balancer/dynamic-weights.js';
import { weighted } from '../../src/balancer/weighted.js';
import { countById, endpoint, firstAttempt, retry } from './fake-endpoint.js';

function pickIds(balancer: Balancer, count: number): string[] {
  return Array.from({ length: count }, () => balancer.pick(firstAttempt)!.id);
}

function countsOf(ids: readonly string[], of: readonly string[]): number[] {
  return of.map((id) => ids.filter((x) => x === id).length);
}

describe('weighted', () => {
  const abc = [endpoint('a', { weight: 1 }), endpoint('b', { weight: 2 }), endpoint('c', { weight: 3 })];

  it('gives weights 1:2:3 exactly 1/6, 2/6, 3/6 of 6000 picks', () => {
    const w = weighted({ random: seededRandom(1) });
    w.update(abc);
    expect(countsOf(pickIds(w, 6000), ['a', 'b', 'c'])).toEqual([1000, 2000, 3000]);
  });

  it('interleaves smoothly: every 6 consecutive picks hold exactly 1 a, 2 b, 3 c', () => {
    for (let seed = 0; seed < 10; seed++) {
      const w = weighted({ random: seededRandom(seed) });
      w.update(abc);
      const ids = pickIds(w, 600);
      for (let start = 0; start + 6 <= ids.length; start++) {
        expect(countsOf(ids.slice(start, start + 6), ['a', 'b', 'c'])).toEqual([1, 2, 3]);
      }
    }
  });

  it('keeps every window of L ≤ 12 picks within 1 call of L·weight/6 per endpoint', () => {
    const w = weighted({ random: seededRandom(11) });
    w.update(abc);
    const ids = pickIds(w, 600);
    for (let length = 1; length <= 12; length++) {
      for (let start = 0; start + length <= ids.length; start++) {
        const counts = countsOf(ids.slice(start, start + length), ['a', 'b', 'c']);
        counts.forEach((n, i) => {
          expect(Math.abs(n - (length * abc[i]!.weight) / 6)).toBeLessThanOrEqual(1);
        });
      }
    }
  });

  it('treats fractional weights 0.5 : 1.5 as 1 : 3', () => {
    const w = weighted({ random: seededRandom(2) });
    w.update([endpoint('x', { weight: 0.5 }), endpoint('y', { weight: 1.5 })]);
    expect(countsOf(pickIds(w, 4000), ['x', 'y'])).toEqual([1000, 3000]);
  });

  it('moves shares when update() changes a weight', () => {
    const w = weighted({ random: seededRandom(3) });
    w.update([endpoint('x', { weight: 1 }), endpoint('y', { weight: 1 })]);
    expect(countsOf(pickIds(w, 1000), ['x', 'y'])).toEqual([500, 500]);
    w.update([endpoint('x', { weight: 1 }), endpoint('y', { weight: 3 })]);
    const [x, y] = countsOf(pickIds(w, 4000), ['x', 'y']);
    expect(Math.abs(x! - 1000)).toBeLessThanOrEqual(1);
    expect(Math.abs(y! - 3000)).toBeLessThanOrEqual(1);
  });

  it('keeps proportions among the rest when an endpoint leaves or joins', () => {
    const w = weighted({ random: seededRandom(4) });
    w.update(abc);
    pickIds(w, 7);
    w.update([abc[0]!, abc[2]!]);
    const [a, c] = countsOf(pickIds(w, 4000), ['a', 'c']);
    expect(Math.abs(a! - 1000)).toBeLessThanOrEqual(1);
    expect(Math.abs(c! - 3000)).toBeLessThanOrEqual(1);
    w.update([...abc, endpoint('d', { weight: 4 })]);
    const counts = countsOf(pickIds(w, 10_000), ['a', 'b', 'c', 'd']);
    counts.forEach((n, i) => {
      expect(Math.abs(n - (i + 1) * 1000)).toBeLessThanOrEqual(1);
    });
  });

  it('does not skew shares when update() comes before every pick', () => {
    const w = weighted({ random: seededRandom(5) });
    const ids: string[] = [];
    for (let i = 0; i < 6000; i++) {
      w.update(abc.map((e) => ({ ...e })));
      ids.push(w.pick(firstAttempt)!.id);
    }
    expect(countsOf(ids, ['a', 'b', 'c'])).toEqual([1000, 2000, 3000]);
  });

  it('is deterministic: the same seed and update give the same sequence', () => {
    const sequence = (seed: number) => {
      const w = weighted({ random: seededRandom(seed) });
      w.update(abc);
      return pickIds(w, 60).join('');
    };
    expect(sequence(9)).toBe(sequence(9));
    const phases = new Set(Array.from({ length: 20 }, (_, seed) => sequence(seed)));
    expect(phases.size).toBeGreaterThan(1);
  });

  it('does not send clients started together to the same equal-weight endpoint in step', () => {
    // 100 endpoints of weight 1 share every deadline; 50 clients, each its own seed.
    const list = Array.from({ length: 100 }, (_, i) => endpoint(`n${i}`));
    const clients = Array.from({ length: 50 }, (_, seed) => {
      const w = weighted({ random: seededRandom(seed) });
      w.update(list);
      return w;
    });
    // The k-th pick of every client: with ties in plain list order all 50 took n0, then n1, ...
    for (let k = 0; k < 3; k++) {
      const nodes = new Set(clients.map((w) => w.pick(firstAttempt)!.id));
      expect(nodes.size).toBeGreaterThan(30);
    }
  });

  it('skips tried endpoints on retries', () => {
    const w = weighted({ random: seededRandom(6) });
    w.update(abc);
    const [a, b, c] = abc;
    for (let i = 0; i < 60; i++) {
      expect(w.pick(retry(c!))!.id).not.toBe('c');
      expect(w.pick(retry(b!, c!))!.id).toBe('a');
      expect(w.pick(retry(a!, b!, c!))).toBeDefined();
    }
    const fresh = weighted({ random: seededRandom(7) });
    fresh.update(abc);
    const ids = countById(Array.from({ length: 500 }, () => fresh.pick(retry(a!))));
    expect(ids.get('a')).toBeUndefined();
    expect(Math.abs(ids.get('b')! - 200)).toBeLessThanOrEqual(1);
    expect(Math.abs(ids.get('c')! - 300)).toBeLessThanOrEqual(1);
  });

  it('returns undefined with no endpoints', () => {
    const w = weighted();
    expect(w.pick(firstAttempt)).toBeUndefined();
  });
});

describe('weighted({ dynamic })', () => {
  const report = (qps: number, utilization: number, ageMs: number, eps = 0): LoadReport => ({
    utilization,
    inFlight: 0,
    qps,
    eps,
    named: {},
    receivedAt: performance.now() - ageMs,
    ownInFlight: 0,
  });
  const options = { blackoutPeriodMs: 1000, weightExpirationMs: 5000, weightUpdatePeriodMs: 60_000 };

  it('weighs by qps / (utilization + eps / qps × penalty), as gRFC A58', () => {
    expect(reportWeight(report(300, 0.5, 0), 1)).toBe(600);
    expect(reportWeight(report(300, 0.5, 0, 30), 1)).toBeCloseTo(300 / 0.6, 9);
    expect(reportWeight(report(300, 0.5, 0, 30), 0)).toBe(600);
    expect(reportWeight(report(0, 0.5, 0), 1)).toBe(0);
    expect(reportWeight(report(300, 0, 0), 1)).toBe(0);
  });

  it('schedules by learnt weights once out of blackout; nodes without one get the mean', () => {
    const w = weighted({ random: seededRandom(5), dynamic: options });
    const [a, b, c] = [endpoint('a'), endpoint('b'), endpoint('c')];
    a.load = report(100, 0.5, 2000); // 200
    b.load = report(300, 0.5, 2000); // 600
    w.update([a, b, c]); // c has no report: mean 400
    expect(w.name).toBe('weighted(dynamic)');
    expect(countsOf(pickIds(w, 1200), ['a', 'b', 'c'])).toEqual([200, 600, 400]);
  });

  it('keeps static weights while every weight is in blackout, and drops expired ones', () => {
    const w = weighted({ random: seededRandom(6), dynamic: options });
    const a = endpoint('a', { weight: 1, load: report(100, 0.5, 10) });
    const b = endpoint('b', { weight: 3, load: report(900, 0.5, 10) });
    w.update([a, b]);
    expect(countsOf(pickIds(w, 400), ['a', 'b'])).toEqual([100, 300]);
    // Reports first seen long ago: a's is out of blackout, b's has expired and b gets the
    // mean of the others (a's 200).
    const w2 = weighted({ random: seededRandom(6), dynamic: options });
    const a2 = endpoint('a', { weight: 1, load: report(100, 0.5, 2000) });
    const b2 = endpoint('b', { weight: 3, load: report(100, 0.5, 6000) });
    w2.update([a2, b2]);
    expect(countsOf(pickIds(w2, 400), ['a', 'b'])).toEqual([200, 200]);
  });

  it('forgets a node that leaves: it serves its blackout again when it returns', () => {
    const w = weighted({ random: seededRandom(7), dynamic: { ...options, blackoutPeriodMs: 1000 } });
    const a = endpoint('a', { load: report(100, 0.5, 1500) }); // 200
    const b = endpoint('b', { load: report(300, 0.5, 1500) }); // 600
    w.update([a, b]);
    expect(countsOf(pickIds(w, 800), ['a', 'b'])).toEqual([200, 600]);
    w.update([a]);
    b.load = report(300, 0.5, 0);
    w.update([a, b]); // b is back with a fresh report: in blackout, so the mean (a's 200)
    const [ca, cb] = countsOf(pickIds(w, 800), ['a', 'b']);
    expect(Math.abs(ca! - 400)).toBeLessThanOrEqual(1);
    expect(Math.abs(cb! - 400)).toBeLessThanOrEqual(1);
  });

  it('rejects negative knobs', () => {
    expect(() => weighted({ dynamic: { blackoutPeriodMs: -1 } })).toThrow(RangeError);
  });
});
