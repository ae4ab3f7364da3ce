/**
 * weighted — smooth weighted round robin on `Endpoint.weight`, as an earliest-deadline-
 * first (EDF) schedule in a binary heap (`edf-scheduler.ts`).
 *
 * Optimises: shares proportional to weight, spread evenly in time (no bursts of the heavy
 * node), deterministic. Cost formula: endpoint i with weight wᵢ owns the virtual-time
 * deadlines kᵢ/wᵢ (kᵢ = 1, 2, …); every pick takes the smallest deadline (ties: in list
 * order from a random start) and moves that endpoint to its next one. In any unit of virtual time endpoint
 * i owns exactly wᵢ deadlines, so with integer weights every run of W = Σwᵢ consecutive
 * picks holds exactly wᵢ calls to endpoint i, and each endpoint's calls are spaced 1/wᵢ
 * apart: the same guarantees as nginx's smooth WRR (`current += weight; pick the max;
 * current -= total`), with a slightly different interleaving (1:2:3 gives C B C A B C,
 * ties taken from A, where nginx gives C B A C B C).
 *
 * Why not nginx's loop itself: it is O(n) per pick, and a pick must be O(1) or O(log n)
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
 * update starts at a random virtual time in [0, 1) and a random start of the tie order
 * (both from `random`) so that clients started together are not in phase: with ties in
 * plain list order, clients of many equal-weight endpoints all sent to the first, then the
 * second, ... together (docs/scale.md). Same state and same update → same sequence.
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
import { EdfScheduler } from './edf-scheduler.js';

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
  const dynamic =
    options.dynamic === undefined || options.dynamic === false
      ? undefined
      : new DynamicWeights(options.dynamic === true ? {} : options.dynamic);
  const scheduler = new EdfScheduler(options.random ?? Math.random);
  let timer: NodeJS.Timeout | undefined;

  /** Dynamic weights from the latest reports, applied to the schedule. */
  function reweigh(learner: DynamicWeights, list: readonly Endpoint[]): void {
    const learnt = new Float64Array(list.length);
    learner.compute(list, performance.now(), learnt);
    scheduler.schedule(list, (i) => learnt[i]!);
  }

  return {
    name: dynamic === undefined ? 'weighted' : 'weighted(dynamic)',

    update(list) {
      if (dynamic === undefined) {
        scheduler.schedule(list, (i) => list[i]!.weight);
        return;
      }
      reweigh(dynamic, list);
      if (list.length > 0 && timer === undefined) {
        timer = setInterval(() => reweigh(dynamic, scheduler.scheduled), dynamic.updatePeriodMs);
        timer.unref();
      } else if (list.length === 0 && timer !== undefined) {
        clearInterval(timer);
        timer = undefined;
      }
    },

    pick(call: PickContext) {
      return scheduler.next(call.tried);
    },
  };
}
