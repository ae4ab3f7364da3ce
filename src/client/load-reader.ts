import type * as grpc from '@grpc/grpc-js';
import type { LoadReport } from '../balancer/balancer.js';
import { decodeOrcaReport, IN_FLIGHT, JOINED_QUEUE, ORCA_TRAILER, readCallFigures } from '../common/orca-load-report.js';

/** What the trailers of one response say: the node's load, and the queue the call joined there. */
export interface TrailerLoad {
  readonly report: LoadReport;
  /** Calls in flight on the node when the call arrived, itself included (a Switchboard node's `joined_queue`). */
  readonly joined: number | undefined;
}

/** The node-wide figures change on the node's sampling timer: decode them at most this often (ms). */
const DECODE_INTERVAL_MS = 20;

/**
 * Reads a node's load reports from responses' trailers (ORCA `endpoint-load-metrics-bin`),
 * as balancers see them: utilization is the application's figure when the node gives one,
 * else its CPU (gRFC A58); `in_flight` comes out of the named metrics. The per-call figures
 * a Switchboard node appends last (`in_flight`, `joined_queue`) are read in place from
 * every response; the whole report is decoded at most every DECODE_INTERVAL_MS (its other
 * figures change on the node's timer), or every time from a server that does not append
 * them. A missing or malformed report (a foreign server) reads as undefined.
 */
export class LoadReader {
  #decodedAt = Number.NEGATIVE_INFINITY;

  /** The report in `trailers`, on top of the endpoint's `previous` one; `ownInFlight` is this client's calls still at the node. */
  read(trailers: grpc.Metadata, previous: LoadReport | undefined, ownInFlight: number, now: number): TrailerLoad | undefined {
    const bytes = trailers.get(ORCA_TRAILER)[0];
    if (!(bytes instanceof Buffer)) return undefined;
    if (previous !== undefined && now - this.#decodedAt < DECODE_INTERVAL_MS) {
      const figures = readCallFigures(bytes);
      if (figures !== undefined) {
        return { report: { ...previous, inFlight: figures.inFlight, ownInFlight, receivedAt: now }, joined: figures.joined };
      }
    }
    try {
      const decoded = decodeOrcaReport(bytes);
      this.#decodedAt = now;
      const named: Record<string, number> = {};
      for (const name in decoded.namedMetrics) if (name !== IN_FLIGHT) named[name] = decoded.namedMetrics[name]!;
      const report = {
        utilization: decoded.applicationUtilization > 0 ? decoded.applicationUtilization : decoded.cpuUtilization,
        inFlight: decoded.namedMetrics[IN_FLIGHT] ?? 0,
        qps: decoded.rpsFractional,
        eps: decoded.eps,
        named,
        receivedAt: now,
        ownInFlight,
      };
      return { report, joined: decoded.requestCost[JOINED_QUEUE] };
    } catch {
      return undefined;
    }
  }
}
