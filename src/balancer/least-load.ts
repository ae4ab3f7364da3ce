/**
 * leastLoad — power of d choices (default 2) over the expected delay of a call on a node.
 *
 * Optimises: latency under uneven node speed or load, with nothing needed from the
 * servers (their load reports sharpen it when present). Each pick samples d distinct
 * endpoints uniformly and takes the one with the lowest `cost()` (`load/cost.ts`):
 *
 *   cost = (queue depth + 1) × serviceTimeMs × (1 + reported utilization)
 *
 * Equalising the expected delay, rather than the queue length (JSQ, nginx `least_conn`)
 * or queue × latency (Finagle's (inFlight + 1) × peak EWMA, which squares the queue),
 * gives a node three times slower a third of the queue, not the same queue and three times
 * the wait: a lower tail at the same throughput. The service-time estimate tracks the
 * floor of its samples (`load/decaying-ewma.ts`); a node that slows down still sheds load
 * at once, because the calls piling up there raise its depth with every pick. The estimate
 * decays while the node is idle, so a recovered node is probed again and wins its share
 * back.
 *
 * Sampling d instead of scanning all keeps the pick O(d) and avoids the herd behaviour of
 * "always the least loaded" when many clients act on the same stale view.
 *
 * Sources: Mitzenmacher, "The Power of Two Choices in Randomized Load Balancing" (2001);
 * Finagle `PeakEwma` / Linkerd (peak sensitivity and the no-sample penalty); tower
 * `balance::p2c` and `load::PeakEwma`; Little's law (L = λW) for the delay per queued call;
 * Gupta et al., "Analysis of join-the-shortest-queue routing for web server farms" (2007),
 * on why equal queues are not equal delays across heterogeneous servers.
 *
 * The d endpoints come from a partial Fisher–Yates shuffle of a preallocated index
 * permutation: O(d) per pick, no allocation. With n ≤ d every endpoint is considered (in
 * random order, so ties do not favour the head of the list). On a retry, tried endpoints
 * are passed over while sampling continues, so d untried endpoints are compared when that
 * many exist; a tried endpoint is returned only when every endpoint has been tried.
 */
import type { Balancer, Endpoint, PickContext } from './balancer.js';
import { cost } from '../load/cost.js';
import { wasTried } from './tried.js';
import { integerAtLeast } from '../common/option-checks.js';

/** Options of {@link leastLoad}. */
export interface LeastLoadOptions {
  /** How many distinct endpoints to sample per pick (default 2). */
  readonly choices?: number;
  /** Uniform source in [0, 1) for sampling (default `Math.random`). */
  readonly random?: () => number;
  /**
   * The clock load reports' freshness is judged by, in ms (default `performance.now()`,
   * read only for endpoints with a report); the simulator's is virtual.
   */
  readonly now?: () => number;
}

/** A balancer sending each call to the cheaper of d random endpoints. */
export function leastLoad(options: LeastLoadOptions = {}): Balancer {
  const choices = integerAtLeast(options.choices ?? 2, 1, 'leastLoad', 'choices');
  const random = options.random ?? Math.random;
  const clock = options.now;
  let endpoints: readonly Endpoint[] = [];
  /** A permutation of 0..n-1; its prefix is the sample of the current pick. */
  let order = new Int32Array(0);

  return {
    name: 'leastLoad',

    update(list) {
      endpoints = list.slice();
      order = new Int32Array(list.length);
      for (let i = 0; i < list.length; i++) order[i] = i;
    },

    pick(call: PickContext) {
      const n = endpoints.length;
      if (n <= 1) return endpoints[0];
      const tried = call.tried;
      let best: Endpoint | undefined;
      let bestCost = Number.POSITIVE_INFINITY;
      let fallback: Endpoint | undefined;
      let fallbackCost = Number.POSITIVE_INFINITY;
      let compared = 0;
      const now = clock?.();
      for (let k = 0; k < n && compared < choices; k++) {
        const j = k + Math.floor(random() * (n - k));
        const index = order[j]!;
        order[j] = order[k]!;
        order[k] = index;
        const candidate = endpoints[index]!;
        const c = cost(candidate, now);
        if (tried.length > 0 && wasTried(tried, candidate)) {
          if (fallback === undefined || c < fallbackCost) {
            fallback = candidate;
            fallbackCost = c;
          }
          continue;
        }
        compared++;
        if (best === undefined || c < bestCost) {
          best = candidate;
          bestCost = c;
        }
      }
      return best ?? fallback;
    },
  };
}
