/**
 * leastLoad — power of d choices (default 2) over a latency-weighted load.
 *
 * Optimises: latency under uneven node speed or load, with nothing needed from the
 * servers. Each pick samples d distinct endpoints uniformly and takes the cheapest:
 *
 *   cost = (inFlight + 1) × ewmaLatencyMs                      (an endpoint with samples)
 *   cost = inFlight === 0 ? 0 : PENALTY + inFlight              (no sample yet)
 *   cost ×= 1 + utilization      when a load report younger than 2 s is present
 *
 * `ewmaLatencyMs` is the peak-sensitive EWMA kept by the endpoint (`client/peak-ewma.ts`):
 * it jumps up with the first slow call, so a node that slows down sheds load at once, and
 * decays while the node is idle, so a recovered node is probed again and wins its share
 * back. The product with (inFlight + 1) estimates how long a new call would wait there.
 * A node without samples costs nothing while idle and PENALTY while busy, so a new node
 * takes one call at a time until its first call returns instead of being flooded by every
 * client that sees it cheapest. The utilization factor is deliberately simple: a node that
 * reports itself busy looks proportionally slower (at most 2× at full utilization, more
 * when over-committed); richer use of load reports comes later.
 *
 * Sampling d instead of scanning all keeps the pick O(d) and avoids the herd behaviour of
 * "always the least loaded" when many clients act on the same stale view.
 *
 * Sources: Mitzenmacher, "The Power of Two Choices in Randomized Load Balancing" (2001);
 * Finagle `PeakEwma` / Linkerd (cost and the no-sample penalty); tower `balance::p2c` and
 * `load::PeakEwma`.
 *
 * The d endpoints come from a partial Fisher–Yates shuffle of a preallocated index
 * permutation: O(d) per pick, no allocation. With n ≤ d every endpoint is considered (in
 * random order, so ties do not favour the head of the list). On a retry, tried endpoints
 * are passed over while sampling continues, so d untried endpoints are compared when that
 * many exist; a tried endpoint is returned only when every endpoint has been tried.
 */
import type { Balancer, Endpoint, PickContext } from './balancer.js';
import { wasTried } from './tried.js';

/** Cost of a busy endpoint that has no latency sample yet (ms-scale, so far above any real one). */
const PENALTY = 1e9;
/** A load report older than this (ms) is ignored. */
const LOAD_REPORT_TTL_MS = 2000;

/** Options of {@link leastLoad}. */
export interface LeastLoadOptions {
  /** How many distinct endpoints to sample per pick (default 2). */
  readonly choices?: number;
  /** Uniform source in [0, 1) for sampling (default `Math.random`). */
  readonly random?: () => number;
}

/** The estimated cost of sending one more call to `endpoint` (also shown in `client.stats()`). */
export function cost(endpoint: Endpoint): number {
  const latency = endpoint.ewmaLatencyMs;
  const inFlight = endpoint.inFlight;
  let c = latency > 0 ? (inFlight + 1) * latency : inFlight === 0 ? 0 : PENALTY + inFlight;
  const load = endpoint.load;
  if (load !== undefined && performance.now() - load.receivedAt < LOAD_REPORT_TTL_MS) {
    c *= 1 + Math.max(0, load.utilization);
  }
  return c;
}

/** A balancer sending each call to the cheaper of d random endpoints. */
export function leastLoad(options: LeastLoadOptions = {}): Balancer {
  const choices = options.choices ?? 2;
  if (!Number.isInteger(choices) || choices < 1) {
    throw new RangeError(`leastLoad: choices must be an integer >= 1, got ${choices}`);
  }
  const random = options.random ?? Math.random;
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
      for (let k = 0; k < n && compared < choices; k++) {
        const j = k + Math.floor(random() * (n - k));
        const index = order[j]!;
        order[j] = order[k]!;
        order[k] = index;
        const candidate = endpoints[index]!;
        const c = cost(candidate);
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
