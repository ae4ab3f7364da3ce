/**
 * An open-loop load: calls arrive as a Poisson process of `rate` calls/s (exponential gaps
 * -ln(1 - u) / rate from a seeded `random`), whatever happens to the calls already sent —
 * unlike a closed loop, a slow or refusing cluster does not slow the arrivals down, which is
 * how overload looks from a service's side. Calls scheduled in the warm-up are sent but not
 * counted; the measured window is `durationMs` of schedule after it.
 *
 * The generator is itself a Node.js process on a loaded machine, so it reports how far it
 * fell behind its schedule (each call's send time minus its scheduled time) and the rate it
 * achieved: a row whose sends lag is measuring the generator, not the cluster. It wakes on a
 * timer at the next arrival and sends every call that is due; a call is one async function
 * (no closure per call) that records into shared histograms.
 */
import { Status } from '../src/common/status.js';
import { LatencyHistogram } from '../src/observability/latency-histogram.js';

/** What an open-loop run is told. */
export interface OpenLoopOptions {
  /** Arrivals per second. */
  readonly rate: number;
  /** Schedule sent before the measured window, not counted. */
  readonly warmupMs: number;
  /** The measured window of schedule. */
  readonly durationMs: number;
  /** Each call's deadline: a success later than this is not goodput. */
  readonly deadlineMs: number;
  readonly random: () => number;
  /** One call, with its deadline; rejects with an error that has a gRPC `code`. */
  readonly call: () => Promise<unknown>;
}

/** What the measured window gave. */
export interface OpenLoopResult {
  /** Calls scheduled in the window, per second of window. */
  readonly scheduledRate: number;
  /** Calls of the window actually sent within it, per second. */
  readonly sentRate: number;
  /** CPU time (user + system) of this process per call sent, µs, warm-up included. */
  readonly cpuPerCallUs: number;
  /** Send time minus scheduled time, ms. */
  readonly lagMs: { readonly p50: number; readonly p99: number };
  /** Calls that succeeded within their deadline, per second of window. */
  readonly goodput: number;
  /** Latency of those successes, p99, ms. */
  readonly successP99Ms: number;
  /** Latency of the failed calls, median, ms (0 when none failed). */
  readonly failureP50Ms: number;
  /** Failed calls by gRPC code (name), and calls not ended when the run gave up waiting. */
  readonly failures: Readonly<Record<string, number>>;
}

/** Failures whose error carries no gRPC code, or calls still open at the end. */
const NO_CODE = 'other';
const UNFINISHED = 'unfinished';

class Recorder {
  readonly successes = new LatencyHistogram();
  readonly failureLatency = new LatencyHistogram();
  readonly lag = new LatencyHistogram();
  readonly failures: Record<string, number> = {};
  late = 0;
  sentInWindow = 0;
  open = 0;
  /** Called when the last open measured call ends. */
  onIdle: (() => void) | undefined;

  constructor(
    readonly call: () => Promise<unknown>,
    readonly deadlineMs: number,
  ) {}
}

/** One measured call: sent at `sentAt`, counted in `recorder`. */
async function measuredCall(recorder: Recorder, sentAt: number): Promise<void> {
  recorder.open++;
  try {
    await recorder.call();
    const latency = performance.now() - sentAt;
    if (latency <= recorder.deadlineMs) recorder.successes.record(latency);
    else recorder.late++;
  } catch (error) {
    recorder.failureLatency.record(performance.now() - sentAt);
    const code = (error as { code?: unknown }).code;
    const name = typeof code === 'number' ? (Status[code] ?? String(code)) : NO_CODE;
    recorder.failures[name] = (recorder.failures[name] ?? 0) + 1;
  }
  if (--recorder.open === 0) recorder.onIdle?.();
}

/** A warm-up call: sent, its outcome ignored. */
async function unmeasuredCall(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch {}
}

/**
 * Runs the schedule, then waits for the measured calls to end (at most the deadline plus
 * `graceMs`; calls still open then are counted as `unfinished`).
 */
export async function runOpenLoop(options: OpenLoopOptions, graceMs = 2000): Promise<OpenLoopResult> {
  const { rate, random } = options;
  const recorder = new Recorder(options.call, options.deadlineMs);
  const cpu = process.cpuUsage();
  const start = performance.now();
  let sent = 0;
  const windowStart = start + options.warmupMs;
  const end = windowStart + options.durationMs;
  let next = start;
  let scheduled = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next <= now && next < end) {
        if (next < windowStart) void unmeasuredCall(recorder.call);
        else {
          scheduled++;
          recorder.lag.record(now - next);
          if (now < end) recorder.sentInWindow++;
          void measuredCall(recorder, now);
        }
        sent++;
        next += -Math.log(1 - random()) / (rate / 1000);
      }
      if (next < end) setTimeout(tick, next - performance.now());
      else resolve();
    };
    tick();
  });
  if (recorder.open > 0) {
    await new Promise<void>((resolve) => {
      const giveUp = setTimeout(resolve, options.deadlineMs + graceMs);
      recorder.onIdle = () => {
        clearTimeout(giveUp);
        resolve();
      };
    });
  }
  const seconds = options.durationMs / 1000;
  const failures = { ...recorder.failures };
  if (recorder.late > 0) failures.late = recorder.late;
  if (recorder.open > 0) failures[UNFINISHED] = recorder.open;
  const used = process.cpuUsage(cpu);
  const lag = recorder.lag.summary();
  return {
    scheduledRate: scheduled / seconds,
    sentRate: recorder.sentInWindow / seconds,
    cpuPerCallUs: (used.user + used.system) / Math.max(1, sent),
    lagMs: { p50: lag.p50, p99: lag.p99 },
    goodput: recorder.successes.count / seconds,
    successP99Ms: recorder.successes.summary().p99,
    failureP50Ms: recorder.failureLatency.summary().p50,
    failures,
  };
}
