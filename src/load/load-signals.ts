/**
 * What a node's load report says right now, read the same way by every balancer and by the
 * client endpoint that estimates service time: a report is acted on only while fresh, and
 * the other callers' calls it counts on the node add to this client's own.
 */
import type { Endpoint, LoadReport } from '../balancer/balancer.js';

/** A load report older than this (ms) is ignored. */
export const LOAD_REPORT_TTL_MS = 2000;

/**
 * The endpoint's load report if it is younger than {@link LOAD_REPORT_TTL_MS} at `now`
 * (`performance.now()`; the clock is read only when there is a report and no `now`).
 */
export function freshLoad(endpoint: Endpoint, now?: number): LoadReport | undefined {
  return freshReport(endpoint.load, now);
}

/** `report` if it is younger than {@link LOAD_REPORT_TTL_MS} at `now` (read when needed). */
export function freshReport(report: LoadReport | undefined, now?: number): LoadReport | undefined {
  return report !== undefined && (now ?? performance.now()) - report.receivedAt < LOAD_REPORT_TTL_MS
    ? report
    : undefined;
}

/**
 * Calls queued on the node as far as this client can tell: its own in flight there now,
 * plus the other callers' calls in the node's fresh report. With several clients sharing
 * the nodes, each sees only its own share of a queue; the report shows the rest.
 */
export function queueDepth(endpoint: Endpoint, fresh: LoadReport | undefined = freshLoad(endpoint)): number {
  return endpoint.inFlight + otherCallers(fresh);
}

/**
 * The other callers' calls on the node in a fresh report: its count less this client's
 * calls at the time. Held as last reported while the report is fresh (they keep sending as
 * the node serves, so it is not drained by age: see docs/decisions); a node this client
 * stops sending to keeps its last count until the report expires.
 */
export function otherCallers(fresh: LoadReport | undefined): number {
  return fresh === undefined ? 0 : Math.max(0, fresh.inFlight - (fresh.ownInFlight ?? 0));
}
