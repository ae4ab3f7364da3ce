/**
 * consistentHash — the same key goes to the same node while it lives; when a node joins
 * or leaves, only the keys it gains or owned move.
 *
 * Optimises: affinity (a user's or a partition's calls all land on one node: warm caches,
 * per-key ordering) with minimal disruption under membership change. The key is the
 * call's `key` option by default, or a metadata header, or any function of the call. It
 * is hashed with MurmurHash3 (`common/murmur3.ts`: fast, not cryptographic, no allocation).
 *
 * Two algorithms, both O(1) in memory per key and stable given the same set of node ids
 * (the list order does not matter):
 *
 * - `ring` (Karger et al. 1997; ketama; Envoy `ring_hash`): every endpoint owns
 *   `round(replicas × weight)` points hash(`id#r`) on a 32-bit circle; a key goes to the
 *   owner of the first point at or after hash(key). When one of n nodes leaves, exactly
 *   its keys move (1/n in expectation). The spread has a relative standard deviation of
 *   about 1/√(replicas) per node, hence the default of 1,000 points (±3%). Pick: binary
 *   search within the key's 1/65,536 of the circle (a bucket index), O(log(n × replicas / 65,536)).
 * - `maglev` (Eisenbud et al., "Maglev", NSDI 2016; Envoy `maglev`, weighted fill): a
 *   lookup table of a prime size M (default 65,537) is filled by the endpoints taking turns,
 *   each walking its own permutation (offset = h₁(id) mod M, skip = h₂(id) mod (M−1) + 1),
 *   an endpoint of weight w taking w/max(w) of the turns. A key goes to
 *   table[hash(key) mod M]. Shares are even to within one slot in M; when a node leaves its
 *   slots move plus a few others (the paper measures a few percent). Pick: O(1).
 *
 * A call without a key goes to a random endpoint (from `random`), as Envoy does. A retry
 * walks on from the key's place (the next points of the ring, the next slots of the
 * table) to the first endpoint the call has not tried: the key's fallback node is as
 * stable as its first choice.
 */
import { murmur3 } from '../common/murmur3.js';
import type { Balancer, Endpoint, PickContext } from './balancer.js';
import { firstUntried, wasTried } from './tried.js';

/** The ring's search index has one entry per value of a hash's top 16 bits. */
const BUCKETS = 65536;
/** Ring owners are packed below this factor next to their point's hash (so at most 2^21 endpoints). */
const OWNER_SPAN = 2 ** 21;

/** Options of {@link consistentHash}. */
export interface ConsistentHashOptions {
  /**
   * Where the key comes from: a function of the call, or the name of a metadata header
   * (lower case). Default: the call's `key` option (`client.method(req, { key })`).
   */
  readonly key?: string | ((call: PickContext) => string | undefined);
  /** `ring` (default): minimal disruption. `maglev`: O(1) pick, even shares. */
  readonly algorithm?: 'ring' | 'maglev';
  /** Ring points per endpoint of weight 1 (default 1000). Ring only. */
  readonly replicas?: number;
  /** Maglev lookup table size, a prime well above the number of endpoints (default 65537). */
  readonly tableSize?: number;
  /** Uniform source in [0, 1) for calls without a key (default `Math.random`). */
  readonly random?: () => number;
}

/** A balancer routing each key to one node, moving few keys when nodes come and go. */
export function consistentHash(options: ConsistentHashOptions = {}): Balancer {
  const algorithm = options.algorithm ?? 'ring';
  if (algorithm !== 'ring' && algorithm !== 'maglev') {
    throw new RangeError(`consistentHash: algorithm must be 'ring' or 'maglev', got ${String(algorithm)}`);
  }
  const replicas = options.replicas ?? 1000;
  if (!Number.isInteger(replicas) || replicas < 1) {
    throw new RangeError(`consistentHash: replicas must be an integer >= 1, got ${replicas}`);
  }
  const tableSize = options.tableSize ?? 65537;
  if (!isPrime(tableSize)) throw new RangeError(`consistentHash: tableSize must be a prime, got ${tableSize}`);
  const draw = options.random ?? Math.random;
  const keyOf = keySource(options.key);

  let endpoints: readonly Endpoint[] = [];
  // Ring: sorted point hashes and the endpoint index owning each. Maglev: slot → endpoint index.
  let points: Uint32Array = new Uint32Array(0);
  let owners: Int32Array = new Int32Array(0);
  /** Ring: bucket b (the top 16 bits of a hash) → index of its first point ≥ b·2^16; narrows the search. */
  let buckets: Uint32Array = new Uint32Array(BUCKETS + 1);

  function build(list: readonly Endpoint[]): void {
    endpoints = [...list].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (endpoints.length === 0) {
      points = new Uint32Array(0);
      owners = new Int32Array(0);
    } else if (algorithm === 'ring') {
      ({ hashes: points, owners } = buildRing(endpoints, replicas));
      buckets = bucketIndex(points);
    } else {
      owners = buildMaglev(endpoints, tableSize);
    }
  }

  /** Position of `hash` in `owners`: the first ring point ≥ hash (wrapping), or the maglev slot. */
  function position(hash: number): number {
    if (algorithm === 'maglev') return hash % owners.length;
    const bucket = hash >>> 16;
    let lo = buckets[bucket]!;
    let hi = buckets[bucket + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo === points.length ? 0 : lo;
  }

  return {
    name: 'consistentHash',

    update(list) {
      build(list);
    },

    pick(call: PickContext) {
      const n = endpoints.length;
      if (n === 0) return undefined;
      const key = keyOf(call);
      if (key === undefined) return endpoints[firstUntried(endpoints, Math.floor(draw() * n) % n, call.tried)];
      const start = position(murmur3(key));
      const first = endpoints[owners[start]!]!;
      if (call.tried.length === 0 || !wasTried(call.tried, first)) return first;
      const size = owners.length;
      for (let step = 1; step < size; step++) {
        const at = start + step < size ? start + step : start + step - size;
        const candidate = endpoints[owners[at]!]!;
        if (!wasTried(call.tried, candidate)) return candidate;
      }
      return first;
    },
  };
}

function keySource(key: ConsistentHashOptions['key']): (call: PickContext) => string | undefined {
  if (key === undefined) return (call) => call.key;
  if (typeof key === 'function') return key;
  const header = key.toLowerCase();
  return (call) => call.metadata[header];
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

function positiveWeight(endpoint: Endpoint): number {
  const w = endpoint.weight;
  return w > 0 && Number.isFinite(w) ? w : 1;
}

function isPrime(value: number): boolean {
  if (!Number.isInteger(value) || value < 2) return false;
  for (let d = 2; d * d <= value; d++) if (value % d === 0) return false;
  return true;
}
