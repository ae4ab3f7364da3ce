import type * as grpc from '@grpc/grpc-js';
import type { LoadReport } from '../balancer/balancer.js';
import { decodeOrcaReport, ORCA_TRAILER } from '../common/orca-load-report.js';

/**
 * The node's load report carried by a response's trailers (ORCA
 * `endpoint-load-metrics-bin`), as balancers read it: utilization is the application's
 * figure when the node gives one, else its CPU (gRFC A58); `in_flight` comes out of the
 * named metrics. Undefined when there is none, or when it is malformed (a foreign server).
 */
export function loadFromTrailers(trailers: grpc.Metadata, receivedAt: number): LoadReport | undefined {
  const bytes = trailers.get(ORCA_TRAILER)[0];
  if (!(bytes instanceof Buffer)) return undefined;
  try {
    const report = decodeOrcaReport(bytes);
    const { in_flight: inFlight = 0, ...named } = report.namedMetrics;
    return {
      utilization: report.applicationUtilization > 0 ? report.applicationUtilization : report.cpuUtilization,
      inFlight,
      qps: report.rpsFractional,
      eps: report.eps,
      named,
      receivedAt,
    };
  } catch {
    return undefined;
  }
}
