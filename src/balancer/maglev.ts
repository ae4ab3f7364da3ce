/**
 * A Maglev lookup table (Eisenbud et al., "Maglev", NSDI 2016; Envoy `maglev`, weighted
 * fill): a table of a prime size M is filled by the endpoints taking turns, each walking its
 * own permutation (offset = h₁(id) mod M, skip = h₂(id) mod (M−1) + 1), an endpoint of
 * weight w taking w/max(w) of the turns. A key goes to table[hash(key) mod M]. Shares are
 * even to within one slot in M; when a node leaves its slots move plus a few others (the
 * paper measures a few percent). Lookup: O(1).
 */
import { murmur3 } from '../common/murmur3.js';
import type { Endpoint } from './balancer.js';
import type { KeyTable } from './key-table.js';
import { positiveWeight } from './positive-weight.js';

/** The Maglev table of `endpoints` (their order is the owners' numbering), of `size` slots (a prime). */
export function maglevTable(endpoints: readonly Endpoint[], size: number): KeyTable {
  const owners = buildMaglev(endpoints, size);
  return { owners, position: (hash) => hash % size };
}

/** The Maglev lookup table: slot → endpoint index, filled by weighted turns over permutations. */
function buildMaglev(endpoints: readonly Endpoint[], size: number): Int32Array {
  const n = endpoints.length;
  const table = new Int32Array(size).fill(-1);
  const offset = endpoints.map((e) => murmur3(e.id, 0x9e3779b9) % size);
  const skip = endpoints.map((e) => (murmur3(e.id, 0x85ebca6b) % (size - 1)) + 1);
  const maxWeight = Math.max(...endpoints.map(positiveWeight));
  const share = endpoints.map((e) => positiveWeight(e) / maxWeight);
  const next = new Float64Array(n);
  const target = new Float64Array(n);
  let filled = 0;
  for (let turn = 1; filled < size; turn++) {
    for (let i = 0; i < n && filled < size; i++) {
      // An endpoint of share s takes a slot on about s of the turns (Envoy's weighted fill).
      if (turn * share[i]! < target[i]!) continue;
      target[i]! += 1;
      let slot = (offset[i]! + next[i]! * skip[i]!) % size;
      while (table[slot] !== -1) {
        next[i]!++;
        slot = (offset[i]! + next[i]! * skip[i]!) % size;
      }
      table[slot] = i;
      next[i]!++;
      filled++;
    }
  }
  return table;
}

/** Whether `value` is a prime (a Maglev table's size must be). */
export function isPrime(value: number): boolean {
  if (!Number.isInteger(value) || value < 2) return false;
  for (let d = 2; d * d <= value; d++) if (value % d === 0) return false;
  return true;
}
