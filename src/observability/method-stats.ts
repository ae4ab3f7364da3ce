import { CodeCounts } from './code-counts.js';
import { LatencyHistogram, type LatencySummary } from './latency-histogram.js';

/** One method's counters on a server node since it started. */
export interface MethodStats {
  /** Full path, e.g. `/demo.Greeter/SayHello`. */
  readonly path: string;
  /** Calls handled to the end. */
  readonly calls: number;
  /** Calls that ended with a non-OK status. */
  readonly failures: number;
  /** Failed calls by status name, e.g. `{ INVALID_ARGUMENT: 2 }`. */
  readonly failuresByCode: Readonly<Record<string, number>>;
  /** Calls being handled now. */
  readonly inFlight: number;
  /** Handling time percentiles (handler start to end). */
  readonly latencyMs: LatencySummary;
}

/** The live counters behind a {@link MethodStats}. */
export class MethodRecorder {
  calls = 0;
  failures = 0;
  inFlight = 0;
  private readonly codes = new CodeCounts();
  private readonly latency = new LatencyHistogram();

  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;

  constructor(method: { readonly path: string; readonly requestStream: boolean; readonly responseStream: boolean }) {
    this.path = method.path;
    this.requestStream = method.requestStream;
    this.responseStream = method.responseStream;
  }

  begin(): void {
    this.inFlight++;
  }

  end(code: number, latencyMs: number): void {
    this.inFlight--;
    this.calls++;
    if (code !== 0) {
      this.failures++;
      this.codes.add(code);
    }
    this.latency.record(latencyMs);
  }

  stats(): MethodStats {
    return {
      path: this.path,
      calls: this.calls,
      failures: this.failures,
      failuresByCode: this.codes.failures(),
      inFlight: this.inFlight,
      latencyMs: this.latency.summary(),
    };
  }
}
