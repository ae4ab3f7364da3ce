import { performance } from 'node:perf_hooks';
import { appendCallFigures, encodeOrcaReport } from '../common/orca-load-report.js';

/** Load figures the application reports itself (they override the measured ones). */
export interface AppLoad {
  /** Utilization 0..1 (sent as ORCA `application_utilization`); replaces event-loop utilization. */
  readonly utilization?: number;
  /** Application metrics (sent as ORCA `named_metrics`). */
  readonly named?: Readonly<Record<string, number>>;
}

/** What `server.load()` shows. */
export interface LoadSnapshot {
  /** Event-loop utilization over the last interval, or the application's figure. */
  readonly utilization: number;
  /** Process CPU time over wall time in the last interval (may exceed 1 with threads). */
  readonly cpuUtilization: number;
  readonly qps: number;
  /** Failed calls per second. */
  readonly eps: number;
  readonly named: Readonly<Record<string, number>>;
}

/**
 * A node's load, as callers read it from the `endpoint-load-metrics-bin` trailer of every
 * response (ORCA, gRFC A51). The figures are sampled on a timer — event-loop utilization
 * (the capacity a Node.js server runs out of first), process CPU, calls and errors per
 * second — and encoded once per sample; per call two figures are appended, as fixed-size
 * map entries whose values are written in place: the node's calls in flight (named metric
 * `in_flight`) and the queue this call joined when it arrived (request cost
 * `joined_queue`, itself included), from which a client learns the node's time per queued
 * call exactly. grpc-js' own `grpc.server_call_metric_recording` builds a report per call
 * and costs far more.
 */
export class LoadReporter {
  private encoded: Buffer = Buffer.alloc(0);
  private snapshot: LoadSnapshot = { utilization: 0, cpuUtilization: 0, qps: 0, eps: 0, named: {} };
  private app: AppLoad = {};
  private calls = 0;
  private errors = 0;
  private lastElu = performance.eventLoopUtilization();
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 500) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    this.encode();
  }

  /** A call ended (for qps / eps). */
  record(ok: boolean): void {
    this.calls++;
    if (!ok) this.errors++;
  }

  /** Sets application-reported figures; `undefined` fields fall back to measured ones. */
  setAppLoad(load: AppLoad): void {
    this.app = { ...this.app, ...load, named: { ...this.app.named, ...load.named } };
    this.encode();
  }

  /** The last sample. */
  current(): LoadSnapshot {
    return this.snapshot;
  }

  /**
   * The trailer value for a response sent while `inFlight` other calls run, of a call that
   * arrived to `joined` (itself included).
   */
  trailer(inFlight: number, joined: number): Buffer {
    return appendCallFigures(this.encoded, inFlight, joined);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const now = performance.now();
    const seconds = (now - this.lastAt) / 1000;
    const elu = performance.eventLoopUtilization(this.lastElu);
    const cpu = process.cpuUsage(this.lastCpu);
    this.lastElu = performance.eventLoopUtilization();
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    this.snapshot = {
      utilization: elu.utilization,
      cpuUtilization: (cpu.user + cpu.system) / 1e6 / seconds,
      qps: this.calls / seconds,
      eps: this.errors / seconds,
      named: {},
    };
    this.calls = 0;
    this.errors = 0;
    this.encode();
  }

  private encode(): void {
    const utilization = this.app.utilization ?? this.snapshot.utilization;
    const named = this.app.named ?? {};
    this.snapshot = { ...this.snapshot, utilization, named };
    this.encoded = encodeOrcaReport({
      cpuUtilization: this.snapshot.cpuUtilization,
      memUtilization: 0,
      rpsFractional: this.snapshot.qps,
      eps: this.snapshot.eps,
      applicationUtilization: utilization,
      requestCost: {},
      namedMetrics: named,
    });
  }
}
