/** One call of a load run: when it started, and where it went or how it failed. */
export interface CallRecord {
  readonly startedMs: number;
  readonly node: string | undefined;
  readonly error: unknown;
}

/**
 * Runs `concurrency` callers for `durationMs` (bounded: at most `maxCalls` calls), each
 * making one call after the other. Returns every call with its start time relative to the
 * run's start, so tests can assert what happened before and after an event.
 */
export async function runLoad(options: {
  readonly concurrency: number;
  readonly durationMs: number;
  readonly maxCalls?: number;
  readonly call: () => Promise<string>;
}): Promise<CallRecord[]> {
  const records: CallRecord[] = [];
  const started = performance.now();
  const maxCalls = options.maxCalls ?? 100_000;
  const worker = async () => {
    while (records.length < maxCalls && performance.now() - started < options.durationMs) {
      const startedMs = performance.now() - started;
      try {
        records.push({ startedMs, node: await options.call(), error: undefined });
      } catch (error) {
        records.push({ startedMs, node: undefined, error });
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return records;
}

/** The failed calls' messages, for readable assertion output. */
export function failures(records: readonly CallRecord[]): string[] {
  return records.filter((r) => r.error !== undefined).map((r) => (r.error instanceof Error ? r.error.message : String(r.error)));
}
