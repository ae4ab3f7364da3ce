import { describe, expect, it } from 'vitest';
import { selectSubset, type SubsetStrategy } from '../../src/client/endpoints/subset.js';

const nodes = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `10.0.${(from + i) >> 8}.${(from + i) & 255}:50051`);

/** How many clients each id got when clients 0..clients−1 choose from `ids`. */
function spread(ids: readonly string[], clients: number, size: number): Map<string, number> {
  const counts = new Map(ids.map((id) => [id, 0]));
  for (let client = 0; client < clients; client++) {
    for (const id of selectSubset(ids, { size, strategy: 'deterministic', client })) {
      counts.set(id, counts.get(id)! + 1);
    }
  }
  return counts;
}

/** Per client, how many members its subset lost when the candidates went from `before` to `after`. */
function churn(before: readonly string[], after: readonly string[], strategy: SubsetStrategy, clients: number) {
  return Array.from({ length: clients }, (_, client) => {
    const was = new Set(selectSubset(before, { size: 10, strategy, client }));
    return selectSubset(after, { size: 10, strategy, client }).filter((id) => !was.has(id)).length;
  });
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

describe('selectSubset, deterministic', () => {
  it('gives every one of 1,000 nodes exactly 10 of 1,000 clients (size 10)', () => {
    const counts = spread(nodes(1000), 1000, 10);
    expect(new Set(counts.values())).toEqual(new Set([10]));
  });

  it('keeps every node within ±1 of even when the clients stop mid-round (1,050 clients, 300 nodes, size 6)', () => {
    const counts = [...spread(nodes(300), 1050, 6).values()];
    // 50 subsets per round: 21 full rounds give 21 each; no node serves two clients of one round.
    expect(Math.min(...counts)).toBe(21);
    expect(Math.max(...counts)).toBe(21);
    const partial = [...spread(nodes(300), 1025, 6).values()];
    expect(new Set(partial)).toEqual(new Set([20, 21]));
    expect(partial.filter((c) => c === 21)).toHaveLength(25 * 6);
  });

  it('never gives a node two clients of one round when size does not divide N (103 nodes, size 10)', () => {
    const counts = [...spread(nodes(103), 10 * 20, 10).values()];
    // 10 subsets per round, 3 nodes left out of each of the 20 rounds.
    expect(Math.max(...counts)).toBeLessThanOrEqual(20);
    expect(sum(counts)).toBe(2000);
  });

  it('returns size distinct members in the input order, and all of a list no longer than size', () => {
    const ids = nodes(50);
    const chosen = selectSubset(ids, { size: 7, strategy: 'deterministic', client: 3 });
    expect(new Set(chosen).size).toBe(7);
    expect(chosen).toEqual(ids.filter((id) => chosen.includes(id)));
    expect(selectSubset([...ids.slice(0, 4), ids[0]!], { size: 7, strategy: 'deterministic', client: 3 })).toEqual(
      ids.slice(0, 4),
    );
  });

  it('changes each subset by at most one member when one of 1,000 nodes joins or one of 1,005 leaves', () => {
    const ids = nodes(1000);
    const joined = churn(ids, [...ids, ...nodes(1, 5000)], 'deterministic', 400);
    const left = churn(nodes(1005), nodes(1005).toSpliced(417, 1), 'deterministic', 400);
    expect(Math.max(...joined, ...left)).toBe(1);
  });
});

describe('selectSubset, random (rendezvous)', () => {
  it('gives the same key the same subset whatever the order of the candidates', () => {
    const ids = nodes(200);
    const a = selectSubset(ids, { size: 5, strategy: 'random', client: 'pod-a' });
    expect(selectSubset(ids.toReversed(), { size: 5, strategy: 'random', client: 'pod-a' }).sort()).toEqual(
      a.toSorted(),
    );
    expect(selectSubset(ids, { size: 5, strategy: 'random', client: 'pod-b' })).not.toEqual(a);
  });

  it('replaces only the leaving node, in only the subsets that had it (1,000 nodes, 400 clients)', () => {
    const ids = nodes(1000);
    const gone = ids[417]!;
    const had = Array.from({ length: 400 }, (_, client) =>
      selectSubset(ids, { size: 10, strategy: 'random', client }).includes(gone),
    );
    const changes = churn(ids, ids.toSpliced(417, 1), 'random', 400);
    expect(changes).toEqual(had.map((h) => (h ? 1 : 0)));
  });

  it('lets a joining node displace at most one member, in about size/N of the subsets', () => {
    const ids = nodes(1000);
    const changes = churn(ids, [...ids, ...nodes(1, 5000)], 'random', 400);
    expect(Math.max(...changes)).toBe(1);
    // Expected 400 × 10/1001 ≈ 4 subsets; σ ≈ 2.
    expect(sum(changes)).toBeGreaterThanOrEqual(1);
    expect(sum(changes)).toBeLessThanOrEqual(12);
  });

  it('spreads 1,000 clients over 100 nodes (size 10) near evenly: 100 each, within 4σ', () => {
    const counts = new Map<string, number>();
    for (let client = 0; client < 1000; client++) {
      for (const id of selectSubset(nodes(100), { size: 10, strategy: 'random', client })) {
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
    }
    // Binomial(1000, 0.1): σ ≈ 9.5.
    for (const count of counts.values()) expect(Math.abs(count - 100)).toBeLessThanOrEqual(38);
  });
});

describe('selectSubset, bad options', () => {
  const ids = nodes(5);
  it.each([
    [{ size: 0, strategy: 'random', client: 1 }, 'subset: size must be an integer ≥ 1, got 0'],
    [{ size: 2.5, strategy: 'random', client: 1 }, 'subset: size must be an integer ≥ 1, got 2.5'],
    [{ size: 2, strategy: 'hash', client: 1 }, "subset: strategy must be 'deterministic' or 'random', got hash"],
    [{ size: 2, strategy: 'deterministic', client: -1 }, 'subset: client must be an integer ≥ 0, got -1'],
    [
      { size: 2, strategy: 'random', client: Number.NaN },
      'subset: client must be a finite number or a string, got NaN',
    ],
  ])('rejects %o', (options, message) => {
    expect(() => selectSubset(ids, options as Parameters<typeof selectSubset>[1])).toThrow(message);
  });
});
