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
 * - `ring` (`hash-ring.ts`): minimal disruption, exactly the leaving node's keys move;
 *   the default of 1,000 points per node keeps shares within about ±3%. Pick: O(log n).
 * - `maglev` (`maglev.ts`, table size 65,537 by default): even shares, a few percent
 *   more keys move. Pick: O(1).
 *
 * A call without a key goes to a random endpoint (from `random`), as Envoy does. A retry
 * walks on from the key's place (the next points of the ring, the next slots of the
 * table) to the first endpoint the call has not tried: the key's fallback node is as
 * stable as its first choice.
 */
import { murmur3 } from '../common/murmur3.js';
import type { Balancer, Endpoint, PickContext } from './balancer.js';
import { hashRing } from './hash-ring.js';
import type { KeyTable } from './key-table.js';
import { isPrime, maglevTable } from './maglev.js';
import { firstUntried, wasTried } from './tried.js';
import { integerAtLeast, outOfRange } from '../common/option-checks.js';

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
    throw outOfRange('consistentHash', 'algorithm', "'ring' or 'maglev'", algorithm);
  }
  const replicas = integerAtLeast(options.replicas ?? 1000, 1, 'consistentHash', 'replicas');
  const tableSize = options.tableSize ?? 65537;
  if (!isPrime(tableSize)) throw outOfRange('consistentHash', 'tableSize', 'a prime', tableSize);
  const draw = options.random ?? Math.random;
  const keyOf = keySource(options.key);

  let endpoints: readonly Endpoint[] = [];
  let table: KeyTable = { owners: new Int32Array(0), position: () => 0 };

  function build(list: readonly Endpoint[]): void {
    endpoints = [...list].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (endpoints.length > 0) {
      table = algorithm === 'ring' ? hashRing(endpoints, replicas) : maglevTable(endpoints, tableSize);
    }
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
      const owners = table.owners;
      const start = table.position(murmur3(key));
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
