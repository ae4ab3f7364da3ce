import { runClosedLoop } from '../../src/cli/load-loop.js';

/** One call of a load run: when it started, and where it went or how it failed. */
export interface CallRecord {
  readonly startedMs: number;
  readonly node: string | undefined;
  readonly error: unknown;
}

/**
 * The closed loop of `src/cli/load-loop.ts` (`concurrency` callers for `durationMs`, at
 * most `maxCalls` calls), keeping every call with its start time relative to the run's
 * start, so tests can assert what happened before and after an event.
 */
export async function runLoad(options: {
  readonly concurrency: number;
  readonly durationMs: number;
  readonly maxCalls?: number;
  readonly call: () => Promise<string>;
}): Promise<CallRecord[]> {
  const records: CallRecord[] = [];
  const started = performance.now();
  await runClosedLoop({
    concurrency: options.concurrency,
    durationMs: options.durationMs,
    maxCalls: options.maxCalls ?? 100_000,
    call: async () => {
      const startedMs = performance.now() - started;
      try {
        const node = await options.call();
        records.push({ startedMs, node, error: undefined });
        return node;
      } catch (error) {
        records.push({ startedMs, node: undefined, error });
        throw error;
      }
    },
  });
  return records;
}

/** The failed calls' messages, for readable assertion output. */
export function failures(records: readonly CallRecord[]): string[] {
  return records
    .filter((r) => r.error !== undefined)
    .map((r) => (r.error instanceof Error ? r.error.message : String(r.error)));
}
