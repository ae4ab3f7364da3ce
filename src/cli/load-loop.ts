import { LatencyHistogram, type LatencySummary } from '../observability/latency-histogram.js';

/** A bounded closed-loop load: `concurrency` callers, each starting a new call when one ends. */
interface LoadOptions {
  readonly concurrency: number;
  /** Stop starting calls after this long. */
  readonly durationMs: number;
  /** Stop starting calls after this many (a hard bound besides time). */
  readonly maxCalls?: number;
  /** One call; resolves to the id of the node that served it. */
  readonly call: (index: number) => Promise<string>;
  /** Called about every 200 ms with the calls completed so far. */
  readonly onProgress?: (completed: number, elapsedMs: number) => void;
}

/** What a load run measured. */
export interface LoadResult {
  readonly completed: number;
  readonly failed: number;
  readonly elapsedMs: number;
  readonly rps: number;
  readonly latencyMs: LatencySummary;
  /** Successful calls per node id. */
  readonly perNode: Readonly<Record<string, number>>;
  /** The first error seen, if any. */
  readonly firstError: unknown;
}

/** Runs a closed loop until its time or call budget is spent, then waits for calls in flight. */
export async function runClosedLoop(options: LoadOptions): Promise<LoadResult> {
  const latency = new LatencyHistogram();
  const perNode: Record<string, number> = {};
  const maxCalls = options.maxCalls ?? Number.POSITIVE_INFINITY;
  const started = performance.now();
  const stopAt = started + options.durationMs;
  let issued = 0;
  let completed = 0;
  let failed = 0;
  let firstError: unknown;
  const progress = setInterval(() => options.onProgress?.(completed, performance.now() - started), 200);

  const worker = async () => {
    while (issued < maxCalls && performance.now() < stopAt) {
      const index = issued++;
      const t0 = performance.now();
      try {
        const node = await options.call(index);
        latency.record(performance.now() - t0);
        perNode[node] = (perNode[node] ?? 0) + 1;
      } catch (error) {
        failed++;
        firstError ??= error;
      }
      completed++;
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    clearInterval(progress);
  }
  const elapsedMs = performance.now() - started;
  options.onProgress?.(completed, elapsedMs);
  return {
    completed,
    failed,
    elapsedMs,
    rps: ((completed - failed) * 1000) / elapsedMs,
    latencyMs: latency.summary(),
    perNode,
    firstError,
  };
}
