import { describe, expect, it } from 'vitest';
import { seededRandom } from 'switchboard';
import { random } from '../../src/balancer/random.js';
import { countById, endpoint, firstAttempt, retry } from './fake-endpoint.js';

describe('random', () => {
  const nodes = ['a', 'b', 'c', 'd'].map((id) => endpoint(id));

  it('gives each of 4 endpoints 1/4 of 40,000 picks within 3 standard deviations', () => {
    const balancer = random({ random: seededRandom(11) });
    balancer.update(nodes);
    const counts = countById(Array.from({ length: 40_000 }, () => balancer.pick(firstAttempt)));
    // σ = √(40000 · 1/4 · 3/4) ≈ 87
    for (const node of nodes) expect(Math.abs(counts.get(node.id)! - 10_000)).toBeLessThanOrEqual(260);
  });

  it('replays the same picks from the same seed', () => {
    const run = () => {
      const balancer = random({ random: seededRandom(5) });
      balancer.update(nodes);
      return Array.from({ length: 50 }, () => balancer.pick(firstAttempt)!.id).join('');
    };
    expect(run()).toBe(run());
  });

  it('avoids endpoints a retry tried, and still answers when all were tried', () => {
    const balancer = random({ random: seededRandom(3) });
    balancer.update(nodes);
    for (let i = 0; i < 100; i++) {
      const picked = balancer.pick(retry(nodes[0]!, nodes[2]!))!;
      expect(['b', 'd']).toContain(picked.id);
    }
    expect(balancer.pick(retry(...nodes))).toBeDefined();
  });

  it('returns undefined with no endpoints', () => {
    const balancer = random();
    expect(balancer.pick(firstAttempt)).toBeUndefined();
  });
});
