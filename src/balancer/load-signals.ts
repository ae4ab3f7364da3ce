/**
 * What a node's load report says right now, read the same way by the balancers and by the
 * client endpoint that estimates service time: a report is acted on only while fresh, and
 * the node's in-flight count (all its callers' calls) stands in for this client's own
 * count when it is the larger.
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
 * Calls queued on the node as far as this client can tell: its own in flight there, or
 * the node's fresh report of everyone's calls when that is more.
 */
export function queueDepth(endpoint: Endpoint, fresh: LoadReport | undefined = freshLoad(endpoint)): number {
  return Math.max(endpoint.inFlight, fresh?.inFlight ?? 0);
}
