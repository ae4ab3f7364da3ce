/**
 * The calls waiting for a slot on a node, and the order they get one in. All three
 * disciplines read one signal, how long the queue has been non-empty: a queue that empties
 * within `intervalMs` absorbs a burst; one that has not emptied for `intervalMs` is a
 * standing queue (sustained overload), where waiting longer only serves callers who have
 * given up.
 *
 * - `fifo`: arrival order, always.
 * - `adaptive-lifo`: arrival order while the queue is short-lived; newest first once it
 *   stands, so the calls served are the ones whose callers still wait (the old ones leave
 *   at their deadline).
 * - `codel`: arrival order; a call is dropped from the head when its sojourn exceeds
 *
 *     allowed = standing ? targetMs : intervalMs
 *
 *   so a burst may wait up to `intervalMs`, a standing queue at most `targetMs`.
 *
 * Source: Facebook's adaptive LIFO and CoDel variant, B. Maurer, "Fail at Scale", ACM Queue
 * 13(8), 2015 ("if the queue has not been empty for the last N ms, the time spent in the
 * queue is limited to M ms"; N = 100, M = 5), after Nichols & Jacobson's CoDel (2012).
 */
export class CallQueue<T extends QueuedCall> {
  readonly #entries: T[] = [];
  readonly #options: Required<QueueOptions>;
  readonly #now: () => number;
  /** When the queue last went from empty to non-empty. */
  #nonEmptySince = 0;

  /** @param now - the clock in ms (injected in tests). */
  constructor(options: Required<QueueOptions>, now: () => number) {
    this.#options = options;
    this.#now = now;
  }

  /** Calls waiting now. */
  get length(): number {
    return this.#entries.length;
  }

  /** How many of the waiting calls a call arriving now would wait behind. */
  get ahead(): number {
    return this.#options.discipline === 'adaptive-lifo' && this.#standing() ? 0 : this.#entries.length;
  }

  /** Appends a call (its `queuedAt` set by the caller on the same clock). */
  push(entry: T): void {
    if (this.#entries.length === 0) this.#nonEmptySince = this.#now();
    this.#entries.push(entry);
  }

  /** Takes a call out before its turn (it gave up); false when it was not waiting. */
  remove(entry: T): boolean {
    const index = this.#entries.indexOf(entry);
    if (index < 0) return false;
    this.#entries.splice(index, 1);
    return true;
  }

  /**
   * The call to serve next, or undefined; under `codel` the calls over their allowed sojourn
   * are taken from the head first and passed to `drop` with the sojourn and the allowance.
   */
  take(drop: (entry: T, sojournMs: number, allowedMs: number) => void): T | undefined {
    const entries = this.#entries;
    if (entries.length === 0) return undefined;
    const { discipline, targetMs, intervalMs } = this.#options;
    const standing = this.#standing();
    if (discipline === 'adaptive-lifo' && standing) return entries.pop();
    if (discipline === 'codel') {
      const allowed = standing ? targetMs : intervalMs;
      const now = this.#now();
      while (entries.length > 0 && now - entries[0]!.queuedAt > allowed) {
        const dropped = entries.shift()!;
        drop(dropped, now - dropped.queuedAt, allowed);
      }
    }
    return entries.shift();
  }

  #standing(): boolean {
    return this.#entries.length > 0 && this.#now() - this.#nonEmptySince >= this.#options.intervalMs;
  }
}

/** What the queue needs of a waiting call. */
export interface QueuedCall {
  /** When it joined the queue, in ms on the queue's clock. */
  readonly queuedAt: number;
}

/** How a node's queue orders and sheds the calls waiting for a slot (`createServer({ queue })`). */
export interface QueueOptions {
  /**
   * `'fifo'` (arrival order), `'adaptive-lifo'` (newest first while the queue stands) or
   * `'codel'` (arrival order, dropping calls that waited over `targetMs` while the queue
   * stands, over `intervalMs` otherwise). Default `'codel'` with `maxConcurrentCalls:
   * 'adaptive'`, `'fifo'` with a number; see docs/guides/resilience.md.
   */
  readonly discipline?: 'fifo' | 'adaptive-lifo' | 'codel';
  /** `codel`: the longest a call waits in a standing queue, in ms (default 5). */
  readonly targetMs?: number;
  /** A queue not empty for this many ms is standing; `codel`: the longest wait otherwise (default 100). */
  readonly intervalMs?: number;
}
