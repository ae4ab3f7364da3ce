/**
 * roundRobin — strict rotation over the ready endpoints.
 *
 * Optimises: equal shares and an even spacing of calls per endpoint, with no state to
 * learn. Cost: none is weighed; the endpoint chosen for the k-th call is
 * `endpoints[(offset + k) mod n]`. Over any k consecutive picks every endpoint gets
 * ⌊k/n⌋ or ⌈k/n⌉ calls.
 *
 * Source: grpc-go `balancer/roundrobin` (random start offset, so that many clients started
 * together do not all send their first call to the same node).
 *
 * `pick()` is O(1) and allocates nothing. `update()` keeps the cursor on the endpoint that
 * would have been picked next (by node id), so frequent updates neither restart the
 * rotation nor favour the head of the list. The start is one draw u in [0, 1), taken when
 * the first endpoint arrives and again when the rotation restarts from an empty set;
 * until the first pick it is placed anew at ⌊u·n⌋ on every update (endpoints become ready
 * one at a time, or several at once: the same draw either way, so a seeded client starts
 * where it starts however its endpoints' readiness was batched). A retry walks on from the
 * cursor to the first endpoint the call has not tried (at most `tried.length + 1` steps
 * when one exists).
 */
import type { Balancer, Endpoint, PickContext } from './balancer.js';
import { firstUntried } from './tried.js';

/** Options of {@link roundRobin}. */
export interface RoundRobinOptions {
  /** Uniform source in [0, 1) for the start offset (default `Math.random`). */
  readonly random?: () => number;
}

/** A balancer that rotates over the endpoints in order, from a random start. */
export function roundRobin(options: RoundRobinOptions = {}): Balancer {
  const random = options.random ?? Math.random;
  let endpoints: readonly Endpoint[] = [];
  let next = 0;
  /** The start's draw, in [0, 1); undefined until endpoints arrive (and after the set emptied). */
  let start: number | undefined;
  /** Until the first pick the start is placed anew on every update: endpoints become ready one by one. */
  let started = false;

  return {
    name: 'roundRobin',

    update(list) {
      const n = list.length;
      if (n === 0) {
        endpoints = [];
        next = 0;
        start = undefined;
        return;
      }
      if (endpoints.length === 0 || !started) {
        start ??= random();
        next = Math.floor(start * n) % n;
      } else {
        const upcoming = endpoints[next]!.id;
        const at = list.findIndex((e) => e.id === upcoming);
        next = at >= 0 ? at : next % n;
      }
      endpoints = list.slice();
    },

    pick(call: PickContext) {
      const n = endpoints.length;
      if (n === 0) return undefined;
      started = true;
      const i = firstUntried(endpoints, next, call.tried);
      next = i + 1 === n ? 0 : i + 1;
      return endpoints[i];
    },
  };
}
