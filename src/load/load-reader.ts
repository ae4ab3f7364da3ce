import type * as grpc from '@grpc/grpc-js';
import type { LoadReport } from '../balancer/balancer.js';
import {
  decodeOrcaReport,
  IN_FLIGHT,
  JOINED_QUEUE,
  ORCA_TRAILER,
  readCallFigures,
} from '../common/orca-load-report.js';

/** The node-wide figures change on the node's sampling timer: decode them at most this often (ms). */
const DECODE_INTERVAL_MS = 20;

/** A report the reader keeps up to date in place (balancers see it read-only). */
type HeldReport = { -readonly [K in keyof LoadReport]-?: LoadReport[K] };

/**
 * Reads a node's load reports from responses' trailers (ORCA `endpoint-load-metrics-bin`),
 * as balancers see them: utilization is the application's figure when the node gives one,
 * else its CPU (gRFC A58); `in_flight` comes out of the named metrics. The per-call figures
 * a Switchboard node appends last (`in_flight`, `joined_queue`) are read in place from
 * every response and written into the held report (no allocation per call); the whole
 * report is decoded at most every DECODE_INTERVAL_MS (its other figures change on the
 * node's timer), or every time from a server that does not append them. A missing or
 * malformed report (a foreign server) leaves the held one as it was.
 */
export class LoadReader {
  #decodedAt = Number.NEGATIVE_INFINITY;
  #report: HeldReport | undefined = undefined;

  /** The node's last report, undefined before the first; updated in place by `read`. */
  get report(): LoadReport | undefined {
    return this.#report;
  }

  /**
   * Takes the report in `trailers`, received at `now`; `ownInFlight` is this client's
   * calls still at the node. Returns the queue the call joined on the node (itself
   * included), when the node says.
   */
  read(trailers: grpc.Metadata, ownInFlight: number, now: number): number | undefined {
    const bytes = trailers.get(ORCA_TRAILER)[0];
    if (!(bytes instanceof Buffer)) return undefined;
    const held = this.#report;
    if (held !== undefined && now - this.#decodedAt < DECODE_INTERVAL_MS) {
      const figures = readCallFigures(bytes);
      if (figures !== undefined) {
        held.inFlight = figures.inFlight;
        held.ownInFlight = ownInFlight;
        held.receivedAt = now;
        return figures.joined;
      }
    }
    let decoded: ReturnType<typeof decodeOrcaReport>;
    try {
      decoded = decodeOrcaReport(bytes);
    } catch {
      return undefined;
    }
    this.#decodedAt = now;
    const named: Record<string, number> = {};
    for (const name in decoded.namedMetrics) if (name !== IN_FLIGHT) named[name] = decoded.namedMetrics[name]!;
    this.#report = {
      utilization: decoded.applicationUtilization > 0 ? decoded.applicationUtilization : decoded.cpuUtilization,
      inFlight: decoded.namedMetrics[IN_FLIGHT] ?? 0,
      qps: decoded.rpsFractional,
      eps: decoded.eps,
      named,
      receivedAt: now,
      ownInFlight,
    };
    return decoded.requestCost[JOINED_QUEUE];
  }
}
