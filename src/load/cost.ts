/**
 * The expected delay of a call sent to a node now: what `leastLoad()` compares and what
 * `client.stats()` shows as `leastLoadCost`.
 *
 *   depth = inFlight + other callers' calls               (load-signals.ts `queueDepth`)
 *   cost  = (depth + 1) × serviceTimeMs                   (an endpoint with samples)
 *   cost  = depth === 0 ? 0 : PENALTY + depth              (no sample yet)
 *   cost ×= 1 + utilization                                (while a report is fresh)
 *
 * On a FIFO node a call that joins k others waits about (k + 1) service times (Little's
 * law), so equalising this cost gives a node three times slower a third of the queue.
 * Endpoints that do not estimate `serviceTimeMs` (custom ones) are weighed by
 * `ewmaLatencyMs`, which is Finagle's (inFlight + 1) × peak EWMA.
 */
import type { Endpoint } from '../balancer/balancer.js';
import { freshLoad, queueDepth } from './load-signals.js';

/**
 * Cost of a busy endpoint that has no latency sample yet (ms-scale, so far above any real
 * one): a new node takes one call at a time until its first call returns.
 */
const PENALTY = 1e9;

/**
 * The delay a call sent to `endpoint` at `now` should expect, in ms (see the formula above);
 * `now` is read from `performance.now()` when needed and not given.
 */
export function cost(endpoint: Endpoint, now?: number): number {
  const load = freshLoad(endpoint, now);
  const depth = queueDepth(endpoint, load);
  const perCall = endpoint.serviceTimeMs ?? endpoint.ewmaLatencyMs;
  const c = perCall > 0 ? (depth + 1) * perCall : depth === 0 ? 0 : PENALTY + depth;
  return load === undefined ? c : c * (1 + Math.max(0, load.utilization));
}
