/**
 * What a node's load report says right now, read the same way by the balancers and by the
 * client endpoint that estimates service time: a report is acted on only while fresh, and
 * the other callers' calls it counts on the node add to this client's own.
 */
import type { Endpoint, LoadReport } from './balancer.js';

/** A load report older than this (ms) is ignored. */
export const LOAD_REPORT_TTL_MS = 2000;

/**
 * The endpoint's load report if it is younger than {@link LOAD_REPORT_TTL_MS} at `now`
 * (`performance.now()`; the clock is read only when there is a report and no `now`).
 */
export function freshLoad(endpoint: Endpoint, now?: number): LoadReport | undefined {
  const load = endpoint.load;
  return load !== undefined && (now ?? performance.now()) - load.receivedAt < LOAD_REPORT_TTL_MS ? load : undefined;
}

/**
 * Calls queued on the node as far as this client can tell: its own in flight there now,
 * plus the other callers' calls in the node's fresh report (its count less this client's
 * calls at the time). With several clients sharing the nodes, each sees only its own
 * share of a queue; the report shows the rest. The other callers' count is held as last
 * reported while the report is fresh: they keep sending as the node serves, so it is not
 * drained by age (doing so sent too much to a shared node: p99 76 ms against 50 in
 * bench/shared-nodes.ts). A node this client stops sending to keeps its last count until
 * the report expires (2 s).
 */
export function queueDepth(endpoint: Endpoint, fresh: LoadReport | undefined = freshLoad(endpoint)): number {
  return fresh === undefined ? endpoint.inFlight : endpoint.inFlight + Math.max(0, fresh.inFlight - (fresh.ownInFlight ?? 0));
}
