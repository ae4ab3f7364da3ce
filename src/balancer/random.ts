/**
 * random — a uniformly random endpoint per call.
 *
 * Optimises: nothing but independence. With no shared cursor and no state to learn, many
 * clients started together cannot fall into step, and every endpoint gets 1/n of the calls
 * in expectation (binomial spread: over N calls each count is N/n ± √(N·(1/n)(1−1/n))).
 * It is the baseline the smarter strategies are measured against (Mitzenmacher 2001: one
 * random choice gives a maximum load of Θ(log n / log log n), two choices Θ(log log n)).
 *
 * Source: Envoy `RandomLoadBalancer`; Mitzenmacher, "The Power of Two Choices in
 * Randomized Load Balancing" (2001).
 *
 * `pick()` is O(1) and allocates nothing. A retry walks on from the drawn endpoint to the
 * first one the call has not tried (at most `tried.length + 1` steps when one exists).
 */
import type { Balancer, Endpoint, PickContext } from './balancer.js';
import { firstUntried } from './tried.js';

/** Options of {@link random}. */
export interface RandomOptions {
  /** Uniform source in [0, 1) (default `Math.random`). */
  readonly random?: () => number;
}

/** A balancer sending each call to an endpoint drawn uniformly at random. */
export function random(options: RandomOptions = {}): Balancer {
  const draw = options.random ?? Math.random;
  let endpoints: readonly Endpoint[] = [];

  return {
    name: 'random',

    update(list) {
      endpoints = list.slice();
    },

    pick(call: PickContext) {
      const n = endpoints.length;
      if (n === 0) return undefined;
      return endpoints[firstUntried(endpoints, Math.floor(draw() * n) % n, call.tried)];
    },
  };
}
