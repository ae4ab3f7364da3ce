import { describe, expect, it } from 'vitest';
import { type Balancer, seededRandom } from 'switchboard';
import type { PickContext } from 'switchboard/extend';
import { leastLoad } from '../../src/balancer/least-load.js';
import { roundRobin } from '../../src/balancer/round-robin.js';
import { route } from '../../src/balancer/route.js';
import { countById, endpoint, firstAttempt } from './fake-endpoint.js';

const v1 = ['v1-a', 'v1-b', 'v1-c'].map((id) => endpoint(id, { labels: { version: 'v1' } }));
const v2 = [endpoint('v2-a', { labels: { version: 'v2' } })];
const PICKS = 40_000;

function canary(seed = 1): Balancer {
  const rng = seededRandom(seed);
  return route({
    subsets: {
      stable: { labels: { version: 'v1' }, balancer: roundRobin({ random: rng }) },
      canary: { labels: { version: 'v2' } },
    },
    rules: [
      { when: { metadata: { 'x-canary': '1' } }, to: 'canary' },
      { when: { method: 'Write' }, to: 'stable' },
      { to: { stable: 95, canary: 5 } },
    ],
    random: rng,
  });
}

function v2Share(balancer: Balancer, call: PickContext): number {
  let hits = 0;
  for (let i = 0; i < PICKS; i++) if (balancer.pick(call)?.labels.version === 'v2') hits++;
  return hits / PICKS;
}

describe('route', () => {
  it('sends 5% of calls to the canary and spreads the rest evenly over the stable subset', () => {
    const balancer = canary();
    balancer.update([...v1, ...v2]);
    const counts = countById(Array.from({ length: PICKS }, () => balancer.pick(firstAttempt)));
    expect(counts.get('v2-a')! / PICKS).toBeCloseTo(0.05, 2);
    for (const e of v1) expect(counts.get(e.id)! / PICKS).toBeCloseTo(0.95 / 3, 2);
  });

  it('sends every call with x-canary: 1 to v2', () => {
    const balancer = canary();
    balancer.update([...v1, ...v2]);
    expect(v2Share(balancer, { ...firstAttempt, metadata: { 'x-canary': '1' } })).toBe(1);
    expect(v2Share(balancer, { ...firstAttempt, metadata: { 'x-canary': '0' } })).toBeCloseTo(0.05, 2);
  });

  it('matches methods by proto name or full path', () => {
    const balancer = canary();
    balancer.update([...v1, ...v2]);
    expect(v2Share(balancer, { ...firstAttempt, path: '/test.Svc/Write' })).toBe(0);
    const byPath = route({
      subsets: { all: {}, canary: { labels: { version: 'v2' } } },
      rules: [{ when: { method: '/test.Svc/Call' }, to: 'canary' }, { to: 'all' }],
    });
    byPath.update([...v1, ...v2]);
    expect(v2Share(byPath, firstAttempt)).toBe(1);
    expect(v2Share(byPath, { ...firstAttempt, path: '/test.Svc/Other' })).toBeCloseTo(0.25, 2);
  });

  it("gives a missing canary's share to the stable subset, but never pins v2 calls to v1", () => {
    const balancer = canary();
    balancer.update(v1);
    expect(v2Share(balancer, firstAttempt)).toBe(0);
    expect(balancer.pick(firstAttempt)).toBeDefined();
    expect(balancer.pick({ ...firstAttempt, metadata: { 'x-canary': '1' } })).toBeUndefined();
  });

  it('gives each subset its own inner balancer and forwards feedback to it', () => {
    const ends: string[] = [];
    const inner = leastLoad({ random: seededRandom(2) });
    const balancer = route({
      subsets: {
        v2: { labels: { version: 'v2' }, balancer: { ...inner, onCallEnd: (e) => ends.push(e.id) } },
        v1: { labels: { version: 'v1' } },
      },
      rules: [{ to: { v1: 1, v2: 1 } }],
    });
    balancer.update([...v1, ...v2]);
    balancer.onCallEnd?.(v2[0]!, { code: 0, latencyMs: 3 });
    balancer.onCallEnd?.(v1[0]!, { code: 0, latencyMs: 3 });
    expect(ends).toEqual(['v2-a']);
  });

  it('refuses rules it could not follow', () => {
    expect(() => route({ subsets: { a: {} }, rules: [{ when: { method: 'X' }, to: 'a' }] })).toThrow(
      'last rule must have no `when`',
    );
    expect(() => route({ subsets: { a: {} }, rules: [{ to: 'b' }] })).toThrow('unknown subset "b"; subsets: a');
    expect(() => route({ subsets: { a: {} }, rules: [{ to: { a: 0 } }] })).toThrow('total weight of 0');
    const shared = roundRobin();
    expect(() =>
      route({ subsets: { a: { balancer: shared }, b: { balancer: shared } }, rules: [{ to: 'a' }] }),
    ).toThrow('give each its own');
  });
});
