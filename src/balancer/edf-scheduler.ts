import type { Endpoint } from './balancer.js';
import { wasTried } from './tried.js';

/**
 * An earliest-deadline-first schedule over weighted endpoints, in a binary heap: entry i
 * (endpoint i, weight wᵢ) owns the virtual-time deadlines kᵢ/wᵢ; `next()` takes the
 * smallest and moves that entry to its next one. O(log n) per pick, no allocation.
 * `schedule()` keeps the virtual time and the deadlines of endpoints whose weight did not
 * change (see `weighted.ts`).
 *
 * Ties go in list order from a random start (drawn once, as roundRobin's offset): endpoints
 * of equal weight share every deadline, and with ties in plain list order every client
 * started together sent to endpoint 0, then 1, ... in step — the whole fleet on one node at
 * a time (the simulator showed it: docs/scale.md).
 */
export class EdfScheduler {
  // Entry i is endpoints[i], with deadline counts[i] / weights[i]. The heap keeps entry
  // indices and their deadlines side by side, ordered by (deadline, index), so a sift
  // reads contiguous memory.
  private endpoints: readonly Endpoint[] = [];
  private weights = new Float64Array(0);
  private counts = new Float64Array(0);
  private heapEntry = new Int32Array(0);
  private heapKey = new Float64Array(0);
  /** Entry i's place in the tie order: i less the random start, mod n. */
  private tieRank = new Int32Array(0);
  /** Where the tie order starts, as a share of the list, in [0, 1) (drawn with the first virtual time). */
  private tieStart = -1;
  /** Earliest deadline at the last pick: the schedule's virtual time. */
  private now = -1;

  /** `random` draws the first virtual time, in [0, 1), so that clients started together are not in phase. */
  constructor(private readonly random: () => number) {}

  /** The endpoints last scheduled. */
  get scheduled(): readonly Endpoint[] {
    return this.endpoints;
  }

  /** Schedules `list` by `weightOf(i)`, keeping the virtual time and unchanged endpoints' deadlines. */
  schedule(list: readonly Endpoint[], weightOf: (i: number) => number): void {
    const n = list.length;
    if (this.now < 0 && n > 0) {
      this.now = this.random();
      this.tieStart = this.random();
    }
    const previous = new Map<string, number>();
    for (let i = 0; i < this.endpoints.length; i++) previous.set(this.endpoints[i]!.id, i);

    const nextWeights = new Float64Array(n);
    const nextCounts = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const raw = weightOf(i);
      const w = raw > 0 && Number.isFinite(raw) ? raw : 1;
      const prev = previous.get(list[i]!.id);
      const k = prev !== undefined && this.weights[prev] === w ? this.counts[prev]! : Math.floor(this.now * w) + 1;
      nextWeights[i] = w;
      nextCounts[i] = k;
    }
    this.endpoints = list.slice();
    this.weights = nextWeights;
    this.counts = nextCounts;
    this.heapEntry = new Int32Array(n);
    this.heapKey = new Float64Array(n);
    this.tieRank = new Int32Array(n);
    const start = Math.floor(this.tieStart * n);
    for (let i = 0; i < n; i++) this.tieRank[i] = (i - start + n) % n;
    for (let i = 0; i < n; i++) {
      this.heapEntry[i] = i;
      this.heapKey[i] = nextCounts[i]! / nextWeights[i]!;
    }
    for (let pos = (n >> 1) - 1; pos >= 0; pos--) this.siftDown(pos, this.heapEntry[pos]!, this.heapKey[pos]!);
  }

  /**
   * The endpoint with the earliest deadline that the call has not tried (the earliest of
   * all when every one was tried), moved on to its next deadline; undefined when empty. An
   * untried entry can only sit below tried ones in the heap, so at most 2·tried.length + 1
   * heap slots are examined.
   */
  next(tried: readonly Endpoint[]): Endpoint | undefined {
    if (this.heapEntry.length === 0) return undefined;
    let pos = 0;
    if (tried.length > 0) {
      const untried = this.earliestUntried(0, tried);
      if (untried >= 0) pos = untried;
    }
    const entry = this.heapEntry[pos]!;
    this.now = this.heapKey[0]!;
    const k = this.counts[entry]! + 1;
    this.counts[entry] = k;
    this.siftDown(pos, entry, k / this.weights[entry]!);
    return this.endpoints[entry];
  }

  /** Places `entry` with deadline `key` at slot `pos` or below, restoring heap order. */
  private siftDown(pos: number, entry: number, key: number): void {
    const heapEntry = this.heapEntry;
    const heapKey = this.heapKey;
    const rank = this.tieRank;
    const n = heapEntry.length;
    const entryRank = rank[entry]!;
    for (;;) {
      let child = 2 * pos + 1;
      if (child >= n) break;
      let childKey = heapKey[child]!;
      let childEntry = heapEntry[child]!;
      const right = child + 1;
      if (right < n) {
        const rightKey = heapKey[right]!;
        const rightEntry = heapEntry[right]!;
        if (rightKey < childKey || (rightKey === childKey && rank[rightEntry]! < rank[childEntry]!)) {
          child = right;
          childKey = rightKey;
          childEntry = rightEntry;
        }
      }
      if (key < childKey || (key === childKey && entryRank < rank[childEntry]!)) break;
      heapKey[pos] = childKey;
      heapEntry[pos] = childEntry;
      pos = child;
    }
    heapKey[pos] = key;
    heapEntry[pos] = entry;
  }

  /** Heap slot of the earliest untried entry under `pos`, or -1. */
  private earliestUntried(pos: number, tried: readonly Endpoint[]): number {
    const heapEntry = this.heapEntry;
    if (pos >= heapEntry.length) return -1;
    if (!wasTried(tried, this.endpoints[heapEntry[pos]!]!)) return pos;
    const left = this.earliestUntried(2 * pos + 1, tried);
    const right = this.earliestUntried(2 * pos + 2, tried);
    if (left < 0) return right;
    if (right < 0) return left;
    const l = this.heapKey[left]!;
    const r = this.heapKey[right]!;
    const rank = this.tieRank;
    return r < l || (r === l && rank[heapEntry[right]!]! < rank[heapEntry[left]!]!) ? right : left;
  }
}
