/**
 * A hash ring (Karger et al. 1997; ketama; Envoy `ring_hash`): every endpoint owns
 * `round(replicas × weight)` points hash(`id#r`) on a 32-bit circle; a key goes to the owner
 * of the first point at or after hash(key). When one of n nodes leaves, exactly its keys
 * move (1/n in expectation). The spread has a relative standard deviation of about
 * 1/√(replicas) per node. Lookup: a binary search within the key's 1/65,536 of the circle
 * (a bucket index), O(log(n × replicas / 65,536)).
 */
import { murmur3 } from '../common/murmur3.js';
import type { Endpoint } from './balancer.js';
import type { KeyTable } from './key-table.js';
import { positiveWeight } from './positive-weight.js';

/** The ring's search index has one entry per value of a hash's top 16 bits. */
const BUCKETS = 65536;
/** Ring owners are packed below this factor next to their point's hash (so at most 2^21 endpoints). */
const OWNER_SPAN = 2 ** 21;

/** The ring of `endpoints` (their order is the owners' numbering). */
export function hashRing(endpoints: readonly Endpoint[], replicas: number): KeyTable {
  const { hashes, owners } = buildRing(endpoints, replicas);
  const buckets = bucketIndex(hashes);
  return {
    owners,
    position(hash) {
      const bucket = hash >>> 16;
      let lo = buckets[bucket]!;
      let hi = buckets[bucket + 1]!;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (hashes[mid]! < hash) lo = mid + 1;
        else hi = mid;
      }
      return lo === hashes.length ? 0 : lo;
    },
  };
}

/** Ring points of the endpoints, sorted by hash (ties by endpoint order), with their owners. */
function buildRing(endpoints: readonly Endpoint[], replicas: number): { hashes: Uint32Array; owners: Int32Array } {
  // Each point packed as hash × 2^21 + owner (exact in a double for < 2^21 endpoints), so
  // a native numeric sort orders by hash, then owner.
  const packed: number[] = [];
  endpoints.forEach((e, i) => {
    const count = Math.max(1, Math.round(replicas * positiveWeight(e)));
    for (let r = 0; r < count; r++) packed.push(murmur3(`${e.id}#${r}`) * OWNER_SPAN + i);
  });
  const sorted = Float64Array.from(packed).sort();
  const hashes = new Uint32Array(sorted.length);
  const owners = new Int32Array(sorted.length);
  for (let j = 0; j < sorted.length; j++) {
    const hash = Math.floor(sorted[j]! / OWNER_SPAN);
    hashes[j] = hash;
    owners[j] = sorted[j]! - hash * OWNER_SPAN;
  }
  return { hashes, owners };
}

/** For each bucket b, the index of the first point whose hash is ≥ b·2^16 (and the end). */
function bucketIndex(points: Uint32Array): Uint32Array {
  const index = new Uint32Array(BUCKETS + 1);
  let j = 0;
  for (let b = 0; b <= BUCKETS; b++) {
    while (j < points.length && points[j]! >>> 16 < b) j++;
    index[b] = j;
  }
  return index;
}
