import { describe, expect, it } from 'vitest';
import { type Balancer, seededRandom } from 'switchboard';
import type { Endpoint } from 'switchboard/extend';
import { roundRobin } from '../../src/balancer/round-robin.js';
import { countById, endpoint, firstAttempt, retry } from './fake-endpoint.js';

function picks(balancer: Balancer, count: number): (Endpoint | undefined)[] {
  return Array.from({ length: count }, () => balancer.pick(firstAttempt));
}

describe('roundRobin', () => {
  const abc = [endpoint('a'), endpoint('b'), endpoint('c')];

  it('gives each of 3 endpoints exactly 1000 of 3000 picks', () => {
    const rr = roundRobin({ random: seededRandom(1) });
    rr.update(abc);
    expect([...countById(picks(rr, 3000)).values()]).toEqual([1000, 1000, 1000]);
  });

  it('keeps counts within 1 of each other when picks do not divide evenly', () => {
    const rr = roundRobin({ random: seededRandom(2) });
    rr.update(abc);
    const counts = [...countById(picks(rr, 2999)).values()];
    expect(counts).toHaveLength(3);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });

  it('starts at a random endpoint even when endpoints become ready one at a time', () => {
    const firsts = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const rr = roundRobin({ random: seededRandom(seed) });
      rr.update(abc.slice(0, 1));
      rr.update(abc.slice(0, 2));
      rr.update(abc);
      firsts.add(rr.pick(firstAttempt)!.id);
    }
    expect(firsts.size).toBe(3);
  });

  it('starts on the same endpoint for a seed whether the endpoints arrive one at a time or at once', () => {
    for (let seed = 0; seed < 20; seed++) {
      const oneByOne = roundRobin({ random: seededRandom(seed) });
      oneByOne.update(abc.slice(0, 1));
      oneByOne.update(abc.slice(0, 2));
      oneByOne.update(abc);
      const atOnce = roundRobin({ random: seededRandom(seed) });
      atOnce.update(abc);
      expect(oneByOne.pick(firstAttempt)!.id).toBe(atOnce.pick(firstAttempt)!.id);
    }
  });

  it('rotates in list order from a random start', () => {
    const firsts = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const rr = roundRobin({ random: seededRandom(seed) });
      rr.update(abc);
      const seq = picks(rr, 6).map((e) => e!.id);
      const start = abc.findIndex((e) => e.id === seq[0]);
      expect(seq).toEqual([0, 1, 2, 3, 4, 5].map((k) => abc[(start + k) % 3]!.id));
      firsts.add(seq[0]!);
    }
    expect(firsts.size).toBe(3);
  });

  it('stays even within ±1 after an endpoint is added', () => {
    const rr = roundRobin({ random: seededRandom(3) });
    rr.update(abc);
    picks(rr, 1001);
    rr.update([...abc, endpoint('d')]);
    const counts = countById(picks(rr, 4000));
    expect(counts.size).toBe(4);
    for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThanOrEqual(1);
  });

  it('does not skew shares when update() comes before every pick', () => {
    const rr = roundRobin({ random: seededRandom(4) });
    const chosen = [];
    for (let i = 0; i < 3000; i++) {
      rr.update(abc.map((e) => ({ ...e })));
      chosen.push(rr.pick(firstAttempt));
    }
    expect([...countById(chosen).values()]).toEqual([1000, 1000, 1000]);
  });

  it('continues with the next endpoint when the upcoming one is removed', () => {
    const rr = roundRobin({ random: seededRandom(5) });
    const abcd = [...abc, endpoint('d')];
    rr.update(abcd);
    const last = rr.pick(firstAttempt)!;
    const upcoming = abcd[(abcd.indexOf(last) + 1) % 4]!;
    const after = abcd[(abcd.indexOf(last) + 2) % 4]!;
    rr.update(abcd.filter((e) => e !== upcoming));
    expect(rr.pick(firstAttempt)).toBe(after);
  });

  it('skips endpoints a retry already tried', () => {
    const rr = roundRobin({ random: seededRandom(6) });
    rr.update(abc);
    for (let i = 0; i < 30; i++) {
      const first = rr.pick(firstAttempt)!;
      const second = rr.pick(retry(first))!;
      expect(second.id).not.toBe(first.id);
      const third = rr.pick(retry(first, second))!;
      expect(new Set([first.id, second.id, third.id]).size).toBe(3);
    }
    expect(rr.pick(retry(...abc))).toBeDefined();
  });

  it('recognises a tried endpoint by node id after the set was rebuilt', () => {
    const rr = roundRobin({ random: seededRandom(7) });
    rr.update(abc);
    const first = rr.pick(firstAttempt)!;
    rr.update(abc.map((e) => ({ ...e })));
    expect(rr.pick(retry(first))!.id).not.toBe(first.id);
  });

  it('returns undefined with no endpoints', () => {
    const rr = roundRobin();
    expect(rr.pick(firstAttempt)).toBeUndefined();
    rr.update(abc);
    rr.update([]);
    expect(rr.pick(firstAttempt)).toBeUndefined();
  });
});
