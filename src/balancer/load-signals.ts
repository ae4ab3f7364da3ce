/**
 * What a node's load report says right now, read the same way by the balancers and by the
 * client endpoint that estimates service time: a report is acted on only while fresh, and
 * the other callers' calls it counts on the node add to this client's own.
 */
import type { Endpoint, LoadReport } from './balancer.js';

/** A load report older than this (ms) is ignored. */
export const LOAD_REPORT_TTL_MS = 2000;

/** The endpoint's load report if it is younger than {@link LOAD_REPORT_TTL_MS} (the clock is read only when there is one). */
export function freshLoad(endpoint: Endpoint): LoadReport | undefined {
  const load = endpoint.load;
  return load !== undefined && performance.now() - load.receivedAt < LOAD_REPORT_TTL_MS ? load : undefined;
}

/**
 * Calls queued on the node as far as this client can tell: its own in flight there now,
 * plus the other callers' calls in the node's fresh report (its count less this client's
 * calls at the time), less what the node has served since at its estimated time per call:
 * once this client stops sending there, nothing refreshes the report, and another caller's
 * burst must not keep the node looking busy for the report's whole lifetime. With several
 * clients sharing the nodes, each sees only its own share of a queue; the report shows the
 * rest.
 */
export function queueDepth(endpoint: Endpoint, fresh: LoadReport | undefined = freshLoad(endpoint)): number {
  if (fresh === undefined) return endpoint.inFlight;
  const others = fresh.inFlight - (fresh.ownInFlight ?? 0);
  if (others <= 0) return endpoint.inFlight;
  const perCall = endpoint.serviceTimeMs ?? endpoint.ewmaLatencyMs;
  const served = perCall > 0 ? (performance.now() - fresh.receivedAt) / perCall : 0;
  return endpoint.inFlight + Math.max(0, others - served);
}
