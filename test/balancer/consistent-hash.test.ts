import { describe, expect, it } from 'vitest';
import { seededRandom } from 'switchboard';
import type { PickContext } from 'switchboard/extend';
import { consistentHash } from '../../src/balancer/consistent-hash.js';
import { countById, endpoint, firstAttempt, retry } from './fake-endpoint.js';

const KEYS = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
const withKey = (key: string): PickContext => ({ ...firstAttempt, key });
const five = ['node-0', 'node-1', 'node-2', 'node-3', 'node-4'].map((id) => endpoint(id));

function owners(balancer: ReturnType<typeof consistentHash>): string[] {
  return KEYS.map((key) => balancer.pick(withKey(key))!.id);
}

describe.each(['ring', 'maglev'] as const)('consistentHash (%s)', (algorithm) => {
  it('spreads 10,000 keys over 5 nodes within ±10% of even', () => {
    const balancer = consistentHash({ algorithm });
    balancer.update(five);
    const counts = countById(KEYS.map((key) => balancer.pick(withKey(key))));
    expect(counts.size).toBe(5);
    for (const n of counts.values()) expect(Math.abs(n - 2000)).toBeLessThanOrEqual(200);
  });

  it('sends the same key to the same node, whatever the list order', () => {
    const a = consistentHash({ algorithm });
    a.update(five);
    const b = consistentHash({ algorithm });
    b.update([...five].reverse().map((e) => ({ ...e })));
    expect(owners(b)).toEqual(owners(a));
    expect(owners(a)).toEqual(owners(a));
  });

  it.each([3, 5, 10])('moves at most 1.2/n of the keys when one of %i nodes leaves, and only those', (n) => {
    const nodes = Array.from({ length: n }, (_, i) => endpoint(`node-${i}`));
    const balancer = consistentHash({ algorithm });
    balancer.update(nodes);
    const before = owners(balancer);
    balancer.update(nodes.filter((e) => e.id !== 'node-1'));
    const after = owners(balancer);
    const moved = before.filter((id, i) => id !== after[i]).length;
    expect(moved).toBeLessThanOrEqual((1.2 / n) * KEYS.length);
    // Every key of the node that left has moved; of the others, ring moves none, maglev few.
    expect(after).not.toContain('node-1');
    const others = before.filter((id, i) => id !== 'node-1' && id !== after[i]).length;
    expect(others).toBeLessThanOrEqual(algorithm === 'ring' ? 0 : 0.02 * KEYS.length);
  });

  it('gives the keys back when the node returns', () => {
    const balancer = consistentHash({ algorithm });
    balancer.update(five);
    const before = owners(balancer);
    balancer.update(five.slice(1));
    balancer.update(five);
    expect(owners(balancer)).toEqual(before);
  });

  it('follows weights: a node of weight 2 gets about twice the keys', () => {
    const balancer = consistentHash({ algorithm });
    balancer.update([endpoint('a'), endpoint('b', { weight: 2 }), endpoint('c')]);
    const counts = countById(KEYS.map((key) => balancer.pick(withKey(key))));
    expect(counts.get('b')! / 10_000).toBeCloseTo(0.5, 1);
  });

  it('sends a retry to a stable second node, never the tried one', () => {
    const balancer = consistentHash({ algorithm });
    balancer.update(five);
    for (const key of KEYS.slice(0, 200)) {
      const first = balancer.pick(withKey(key))!;
      const second = balancer.pick({ ...retry(first), key })!;
      expect(second.id).not.toBe(first.id);
      expect(balancer.pick({ ...retry(first), key })).toBe(second);
    }
  });

  it('reads the key from a metadata header or a function of the call', () => {
    const byHeader = consistentHash({ algorithm, key: 'X-User' });
    const byFunction = consistentHash({ algorithm, key: (call) => call.metadata['x-user'] });
    const byOption = consistentHash({ algorithm });
    for (const b of [byHeader, byFunction, byOption]) b.update(five);
    for (const user of KEYS.slice(0, 100)) {
      const expected = byOption.pick(withKey(user));
      const call = { ...firstAttempt, metadata: { 'x-user': user } };
      expect(byHeader.pick(call)).toBe(expected);
      expect(byFunction.pick(call)).toBe(expected);
    }
  });

  it('spreads calls without a key at random', () => {
    const balancer = consistentHash({ algorithm, random: seededRandom(4) });
    balancer.update(five);
    const counts = countById(Array.from({ length: 5000 }, () => balancer.pick(firstAttempt)));
    for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThanOrEqual(120);
  });

  it('returns undefined with no endpoints', () => {
    const balancer = consistentHash({ algorithm });
    balancer.update([]);
    expect(balancer.pick(withKey('x'))).toBeUndefined();
  });
});

describe('consistentHash options', () => {
  it('refuses a table size that is not prime and a bad algorithm', () => {
    expect(() => consistentHash({ algorithm: 'maglev', tableSize: 65536 })).toThrow('tableSize must be a prime');
    expect(() => consistentHash({ algorithm: 'jump' as 'ring' })).toThrow("algorithm must be 'ring' or 'maglev'");
  });
});
