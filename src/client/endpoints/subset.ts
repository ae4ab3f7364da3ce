/**
 * Subsetting: which few of N nodes one client connects to, so that N × C connections
 * become size × C while every node still gets its share of clients.
 *
 * `deterministic` — Site Reliability Engineering (Beyer et al., 2016), ch. 20 "Load
 * Balancing in the Datacenter", deterministic subsetting:
 *   subsetCount = ⌊N / size⌋, round = ⌊client / subsetCount⌋,
 *   order the ids by a shuffle keyed by `round`, take positions
 *   [(client mod subsetCount) × size, … + size).
 * The clients of one round partition the nodes, so clients 0..C−1 give every node
 * ⌊C / subsetCount⌋ or ⌈C / subsetCount⌉ clients when size divides N. The shuffle is a rank
 * by murmur3(id, round) rather than a Fisher–Yates pass: the same random permutation per
 * round, but a node that joins or leaves moves the positions after it by one instead of
 * reshuffling the round, so most subsets change by one member (decision 0052).
 *
 * `random` — gRFC A68 random subsetting, as rendezvous (highest-random-weight) hashing:
 * each id scores murmur3(id, murmur3(client)) and the `size` highest win. A client keeps
 * its subset for as long as its key; a node that leaves replaces only itself (in the
 * subsets that had it), a node that joins displaces at most one member — minimal churn by
 * construction.
 */
import { randomUUID } from 'node:crypto';
import { murmur3 } from '../../common/murmur3.js';
import { integerAtLeast, outOfRange } from '../../common/option-checks.js';

/** How a client chooses its subset: `deterministic` (SRE book, needs a client index) or `random` (gRFC A68). */
export type SubsetStrategy = 'deterministic' | 'random';

const STRATEGIES: readonly SubsetStrategy[] = ['deterministic', 'random'];

/**
 * The ids of `ids` that a client connects to: `size` of them (all, when there are no
 * more), in the order they came in. Duplicates count once.
 *
 * @param ids - the candidates (endpoint addresses), in the resolver's order.
 * @param options.size - how many to keep, a positive integer.
 * @param options.strategy - `deterministic` or `random` (see the file's opening comment).
 * @param options.client - who is choosing. `deterministic`: the client's index 0..C−1
 *   (a string is hashed to an index, which keeps it stable but loses the ±1 spread);
 *   `random`: any key or seed, the same key gives the same subset.
 * @returns the chosen ids, a new array.
 * @throws RangeError naming `subset.size`, `subset.strategy` or `subset.client` when one is invalid.
 */
export function selectSubset(
  ids: readonly string[],
  options: { readonly size: number; readonly strategy: SubsetStrategy; readonly client: number | string },
): string[] {
  const where = 'subset';
  const size = integerAtLeast(options.size, 1, where, 'size');
  if (!STRATEGIES.includes(options.strategy)) {
    throw outOfRange(where, 'strategy', STRATEGIES.map((s) => `'${s}'`).join(' or '), options.strategy);
  }
  const deterministic = options.strategy === 'deterministic';
  const client = deterministic ? clientIndex(options.client, where) : murmur3(clientKey(options.client, where));
  const chosen = new Set(ids);
  if (size < chosen.size) {
    const subsetCount = Math.floor(chosen.size / size);
    const seed = deterministic ? Math.floor(client / subsetCount) : client;
    const start = deterministic ? (client % subsetCount) * size : 0;
    const ranking = ranked(ids, seed, start + size);
    chosen.clear();
    for (let i = start; i < start + size; i++) chosen.add(ranking[i]!);
  }
  // `delete` answers true once per id, which keeps the first of any duplicates.
  return ids.filter((id) => chosen.delete(id));
}

// A rank sorts one Float64Array of score × 2^21 + position (exact below 2^53): several
// times faster than sorting objects with a comparator, and a simulator ranks thousands of
// nodes for each of thousands of clients.
const POSITIONS = 2 ** 21;

/**
 * The first `count` distinct ids by descending murmur3(id, seed), ties by id: the head of a
 * permutation determined by `seed` alone, whatever the order of `ids`.
 */
function ranked(ids: readonly string[], seed: number, count: number): string[] {
  if (ids.length > POSITIONS)
    throw outOfRange('subset', 'the number of candidates', `at most ${POSITIONS}`, ids.length);
  const keys = new Float64Array(ids.length);
  for (let i = 0; i < ids.length; i++) keys[i] = murmur3(ids[i]!, seed) * POSITIONS + i;
  keys.sort().reverse();
  const score = (i: number) => Math.floor(keys[i]! / POSITIONS);
  const order: string[] = [];
  // Equal scores (a 32-bit collision, or a duplicate id) are adjacent: sorted by id, duplicates dropped.
  for (let start = 0, end = 1; order.length < count; end++) {
    if (end < keys.length && score(end) === score(start)) continue;
    const run = [];
    for (let i = start; i < end; i++) run.push(ids[keys[i]! % POSITIONS]!);
    for (const id of new Set(run.sort())) order.push(id);
    start = end;
  }
  return order;
}

function clientIndex(client: number | string, where: string): number {
  if (typeof client === 'string') return murmur3(client);
  return integerAtLeast(client, 0, where, 'client');
}

function clientKey(client: number | string, where: string): string {
  if (typeof client === 'string') return client;
  if (Number.isFinite(client)) return String(client);
  throw outOfRange(where, 'client', 'a finite number or a string', client);
}

/** `createClient`'s `subset` option: connect to `size` of the resolver's endpoints only. */
export interface SubsetOptions {
  /** How many endpoints this client connects to, a positive integer (all of them when fewer are listed). */
  readonly size: number;
  /** `random` (the default: no coordination needed) or `deterministic` (needs `client`). */
  readonly strategy?: SubsetStrategy;
  /**
   * Who this client is. `deterministic`: its index 0..C−1 among the C clients (e.g. a
   * StatefulSet ordinal); required, since the ±1 spread comes from consecutive indices.
   * `random`: any stable key (e.g. the pod name) to keep the same subset across restarts;
   * default a random key drawn when the client is created.
   */
  readonly client?: number | string;
}

/** The subset choice of a client, its options checked and its defaults filled in. */
export interface SubsetChoice {
  readonly size: number;
  readonly strategy: SubsetStrategy;
  readonly client: number | string;
  /** The ids this client connects to, of `ids`. */
  select(ids: readonly string[]): string[];
}

/** Checks `createClient`'s `subset` option; errors name `subset.<field>`, the value and what is allowed. */
export function subsetChoice(options: SubsetOptions, where: string): SubsetChoice {
  const strategy = options.strategy ?? 'random';
  if (strategy === 'deterministic' && options.client === undefined) {
    throw new TypeError(
      `${where}: subset.client is required with strategy 'deterministic' ` +
        `(this client's index 0..C−1 among C clients)`,
    );
  }
  const choice = { size: options.size, strategy, client: options.client ?? randomUUID() };
  try {
    selectSubset([], choice);
  } catch (error) {
    throw new RangeError(`${where}: ${(error as Error).message}`);
  }
  return { ...choice, select: (ids) => selectSubset(ids, choice) };
}
