/**
 * weighted — smooth weighted round robin on `Endpoint.weight`, as an earliest-deadline-
 * first (EDF) schedule in a binary heap.
 *
 * Optimises: shares proportional to weight, spread evenly in time (no bursts of the heavy
 * node), deterministic. Cost formula: endpoint i with weight wᵢ owns the virtual-time
 * deadlines kᵢ/wᵢ (kᵢ = 1, 2, …); every pick takes the smallest deadline (ties: earlier in
 * the list) and moves that endpoint to its next one. In any unit of virtual time endpoint
 * i owns exactly wᵢ deadlines, so with integer weights every run of W = Σwᵢ consecutive
 * picks holds exactly wᵢ calls to endpoint i, and each endpoint's calls are spaced 1/wᵢ
 * apart: the same guarantees as nginx's smooth WRR (`current += weight; pick the max;
 * current -= total`), with a slightly different interleaving (1:2:3 gives C B C A B C where
 * nginx gives C B A C B C).
 *
 * Why not nginx's loop itself: it is O(n) per pick, and DESIGN asks for O(1) or O(log n)
 * (< 1 µs at 10,000 endpoints); precomputing its cycle is O(n·W) and W is unbounded with
 * fractional or large weights. EDF is O(log n) per pick, allocation-free, and exact for
 * fractional weights too (0.5 : 1.5 gives 1 : 3).
 *
 * Sources: nginx `ngx_http_upstream_get_peer` (smooth WRR, 2012); Envoy
 * `upstream/edf_scheduler.h` (the EDF heap: next deadline = deadline + 1/weight); gRFC A58
 * and grpc-go `balancer/weightedroundrobin/scheduler.go` (static stride, same shares);
 * Stoica and Abdel-Wahab, "Earliest Eligible Virtual Deadline First" (1995), virtual time.
 *
 * State across `update()`: the schedule keeps its virtual time. An endpoint whose weight
 * did not change keeps its next deadline; a new or re-weighted one starts on its grid at
 * the current virtual time (its first deadline is the next k/w after now). So membership
 * and weight changes neither restart the cycle nor favour the head of the list. The first
 * update starts at a random virtual time in [0, 1) (from `random`) so that clients started
 * together are not in phase. Same state and same update → same sequence.
 *
 * A retry takes the untried endpoint with the earliest deadline: it can only sit below
 * tried ones in the heap, so at most 2·tried.length + 1 heap slots are examined.
 *
 * `dynamic: true` schedules by weights learnt from the nodes' load reports instead (gRFC
 * A58: qps / utilization, blackout, expiry, error penalty; `dynamic-weights.ts`),
 * recomputed every `weightUpdatePeriodMs` and applied like a weight change from
 * `update()`: the schedule keeps its virtual time.
 */
import type { Balancer, Endpoint, PickContext } from './balancer.js';
import { type DynamicWeightOptions, DynamicWeights } from './dynamic-weights.js';
import { wasTried } from './tried.js';

/** Options of {@link weighted}. */
export interface WeightedOptions {
  /** Uniform source in [0, 1) for the starting phase (default `Math.random`). */
  readonly random?: () => number;
  /**
   * Weights from the nodes' load reports (gRFC A58: qps / utilization, with blackout,
   * expiry and error penalty) instead of their static weights: `true`, or A58's knobs.
   */
  readonly dynamic?: boolean | DynamicWeightOptions;
}

/** A balancer giving each endpoint a share proportional to its `weight`, evenly spaced. */
export function weighted(options: WeightedOptions = {}): Balancer {
  const random = options.random ?? Math.random;
  const dynamic =
    options.dynamic === undefined || options.dynamic === false
      ? undefined
      : new DynamicWeights(options.dynamic === true ? {} : options.dynamic);
  let timer: NodeJS.Timeout | undefined;

  // Entry i is endpoints[i], with deadline counts[i] / weights[i]. The heap keeps entry
  // indices and their deadlines side by side, ordered by (deadline, index), so a sift
  // reads contiguous memory.
  let endpoints: readonly Endpoint[] = [];
  let weights = new Float64Array(0);
  let counts = new Float64Array(0);
  let heapEntry = new Int32Array(0);
  let heapKey = new Float64Array(0);
  /** Earliest deadline at the last pick: the schedule's virtual time. */
  let now = -1;

  /** Places `entry` with deadline `key` at slot `pos` or below, restoring heap order. */
  function siftDown(pos: number, entry: number, key: number): void {
    const n = heapEntry.length;
    for (;;) {
      let child = 2 * pos + 1;
      if (child >= n) break;
      let childKey = heapKey[child]!;
      let childEntry = heapEntry[child]!;
      const right = child + 1;
      if (right < n) {
        const rightKey = heapKey[right]!;
        const rightEntry = heapEntry[right]!;
        if (rightKey < childKey || (rightKey === childKey && rightEntry < childEntry)) {
          child = right;
          childKey = rightKey;
          childEntry = rightEntry;
        }
      }
      if (key < childKey || (key === childKey && entry < childEntry)) break;
      heapKey[pos] = childKey;
      heapEntry[pos] = childEntry;
      pos = child;
    }
    heapKey[pos] = key;
    heapEntry[pos] = entry;
  }

  /** Heap slot of the earliest untried entry under `pos`, or -1. */
  function earliestUntried(pos: number, tried: readonly Endpoint[]): number {
    if (pos >= heapEntry.length) return -1;
    if (!wasTried(tried, endpoints[heapEntry[pos]!]!)) return pos;
    const left = earliestUntried(2 * pos + 1, tried);
    const right = earliestUntried(2 * pos + 2, tried);
    if (left < 0) return right;
    if (right < 0) return left;
    const l = heapKey[left]!;
    const r = heapKey[right]!;
    return r < l || (r === l && heapEntry[right]! < heapEntry[left]!) ? right : left;
  }

  /** Schedules `list` by `weightOf(i)`, keeping the virtual time and unchanged endpoints' deadlines. */
  function schedule(list: readonly Endpoint[], weightOf: (i: number) => number): void {
    const n = list.length;
    if (now < 0 && n > 0) now = random();
    const previous = new Map<string, number>();
    for (let i = 0; i < endpoints.length; i++) previous.set(endpoints[i]!.id, i);

    const nextWeights = new Float64Array(n);
    const nextCounts = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const raw = weightOf(i);
      const w = raw > 0 && Number.isFinite(raw) ? raw : 1;
      const prev = previous.get(list[i]!.id);
      const k =
        prev !== undefined && weights[prev] === w ? counts[prev]! : Math.floor(now * w) + 1;
      nextWeights[i] = w;
      nextCounts[i] = k;
    }
    endpoints = list.slice();
    weights = nextWeights;
    counts = nextCounts;
    heapEntry = new Int32Array(n);
    heapKey = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      heapEntry[i] = i;
      heapKey[i] = counts[i]! / weights[i]!;
    }
    for (let pos = (n >> 1) - 1; pos >= 0; pos--) siftDown(pos, heapEntry[pos]!, heapKey[pos]!);
  }

  /** Dynamic weights from the latest reports, applied to the schedule. */
  function reweigh(learner: DynamicWeights, list: readonly Endpoint[]): void {
    const learnt = new Float64Array(list.length);
    learner.compute(list, performance.now(), learnt);
    schedule(list, (i) => learnt[i]!);
  }

  return {
    name: dynamic === undefined ? 'weighted' : 'weighted(dynamic)',

    update(list) {
      if (dynamic === undefined) {
        schedule(list, (i) => list[i]!.weight);
        return;
      }
      reweigh(dynamic, list);
      if (list.length > 0 && timer === undefined) {
        timer = setInterval(() => reweigh(dynamic, endpoints), dynamic.updatePeriodMs);
        timer.unref();
      } else if (list.length === 0 && timer !== undefined) {
        clearInterval(timer);
        timer = undefined;
      }
    },

    pick(call: PickContext) {
      if (heapEntry.length === 0) return undefined;
      let pos = 0;
      if (call.tried.length > 0) {
        const untried = earliestUntried(0, call.tried);
        if (untried >= 0) pos = untried;
      }
      const entry = heapEntry[pos]!;
      now = heapKey[0]!;
      const k = counts[entry]! + 1;
      counts[entry] = k;
      siftDown(pos, entry, k / weights[entry]!);
      return endpoints[entry];
    },
  };
}
