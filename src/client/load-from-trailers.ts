import type * as grpc from '@grpc/grpc-js';
import type { LoadReport } from '../balancer/balancer.js';
import { decodeOrcaReport, IN_FLIGHT, JOINED_QUEUE, ORCA_TRAILER } from '../common/orca-load-report.js';

/** What the trailers of one response say: the node's load, and the queue the call joined there. */
export interface TrailerLoad {
  readonly report: LoadReport;
  /** Calls in flight on the node when the call arrived, itself included (a Switchboard node's `joined_queue`). */
  readonly joined: number | undefined;
}

/**
 * The node's load report carried by a response's trailers (ORCA
 * `endpoint-load-metrics-bin`), as balancers read it: utilization is the application's
 * figure when the node gives one, else its CPU (gRFC A58); `in_flight` comes out of the
 * named metrics. `ownInFlight` is this client's calls still at the node. Undefined when
 * there is none, or when it is malformed (a foreign server).
 */
export function loadFromTrailers(trailers: grpc.Metadata, receivedAt: number, ownInFlight: number): TrailerLoad | undefined {
  const bytes = trailers.get(ORCA_TRAILER)[0];
  if (!(bytes instanceof Buffer)) return undefined;
  try {
    const decoded = decodeOrcaReport(bytes);
    const named: Record<string, number> = {};
    for (const name in decoded.namedMetrics) if (name !== IN_FLIGHT) named[name] = decoded.namedMetrics[name]!;
    const report = {
      utilization: decoded.applicationUtilization > 0 ? decoded.applicationUtilization : decoded.cpuUtilization,
      inFlight: decoded.namedMetrics[IN_FLIGHT] ?? 0,
      qps: decoded.rpsFractional,
      eps: decoded.eps,
      named,
      receivedAt,
      ownInFlight,
    };
    return { report, joined: decoded.requestCost[JOINED_QUEUE] };
  } catch {
    return undefined;
  }
}
