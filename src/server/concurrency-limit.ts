import { integerAtLeast, outOfRange, positiveNumber } from '../common/option-checks.js';
import { RpcError } from '../common/rpc-error.js';
import { Status } from '../common/status.js';
import { AdaptiveLimit, type AdaptiveLimitOptions } from '../load/adaptive-limit.js';
import type { LiveContext } from './call-context.js';
import { CallQueue, type QueueOptions, type QueuedCall } from './call-queue.js';

/**
 * Admission control of a node (`createServer({ maxConcurrentCalls, maxQueuedCalls, queue })`):
 * at most `limit` calls hold a slot (run their handlers) at once, the limit fixed or
 * adaptive ({@link AdaptiveLimit} on the time a call holds its slot); up to `maxQueued` more
 * wait in a {@link CallQueue}; the rest are refused at once with RESOURCE_EXHAUSTED, before
 * their handler runs, so the node stays responsive and a client can take the call elsewhere.
 *
 * Deadline-aware admission: slots free at `limit / handling` per ms while all are busy, so a
 * call arriving behind `ahead` queued calls expects to start after
 *
 *   wait = (ahead + 1) · handling / limit
 *
 * (`handling` the mean time a call holds its slot, an EWMA over the last ~16 calls). A call
 * whose deadline leaves less than `wait + handling` is refused at arrival: served, it would
 * answer after its caller gave up. A queued call that is cancelled or whose deadline passes
 * leaves the queue at once. Health and node-info calls are never limited.
 */
export class ConcurrencyLimit {
  readonly #nodeId: string;
  readonly #fixed: number;
  readonly #adaptive: AdaptiveLimit | undefined;
  readonly #maxQueued: number;
  readonly #queue: CallQueue<Waiting>;
  readonly #holders = new Map<LiveContext, Slot>();
  readonly #now: () => number;
  #handlingMs = 0;
  readonly #refused = { queueFull: 0, deadline: 0, codel: 0 };
  #abandoned = 0;

  /** @param now - the clock in ms (injected in tests). */
  constructor(nodeId: string, options: AdmissionOptions, now: () => number = () => performance.now()) {
    const where = `createServer(${nodeId})`;
    const max = options.maxConcurrentCalls;
    this.#nodeId = nodeId;
    this.#now = now;
    if (typeof max === 'number') {
      if (!(Number.isSafeInteger(max) && max > 0)) throw outOfRange(where, 'maxConcurrentCalls', LIMIT_RULE, max);
      this.#fixed = max;
    } else if (max === 'adaptive' || (typeof max === 'object' && max !== null)) {
      this.#adaptive = new AdaptiveLimit(where, nodeDefaults(max === 'adaptive' ? {} : max), now);
      this.#fixed = 0;
    } else {
      throw outOfRange(where, 'maxConcurrentCalls', LIMIT_RULE, max);
    }
    const maxQueued = options.maxQueuedCalls ?? (this.#adaptive ? ADAPTIVE_QUEUE : 0);
    this.#maxQueued = integerAtLeast(maxQueued, 0, where, 'maxQueuedCalls', true);
    this.#queue = new CallQueue(queueOptions(where, options.queue, this.#adaptive ? 'codel' : 'fifo'), now);
  }

  /** Calls that may hold a slot now. */
  get limit(): number {
    return this.#adaptive?.limit ?? this.#fixed;
  }

  /**
   * Undefined when the call may run now; a promise when it is queued; throws when it is
   * refused. `answerBy`: when the node answers for the call if its handler has not
   * (deadline-answer.ts), the time a queued call must be served by; else its deadline.
   */
  admit(ctx: LiveContext, answerBy = ctx.deadline): Promise<void> | undefined {
    const limit = this.limit;
    if (this.#holders.size < limit) {
      this.#hold(ctx);
      return undefined;
    }
    if (this.#queue.length >= this.#maxQueued) {
      this.#refused.queueFull++;
      const queued = this.#maxQueued > 0 ? ` and ${this.#maxQueued} queued` : '';
      throw new RpcError(
        Status.RESOURCE_EXHAUSTED,
        `node ${this.#nodeId} is at its limit of ${limit} concurrent calls${queued}`,
      );
    }
    this.#checkDeadline(answerBy, limit);
    return new Promise<void>((admit, refuse) => {
      const entry: Waiting = { ctx, queuedAt: this.#now(), admit, refuse, onAbort: () => {} };
      entry.onAbort = () => {
        if (!this.#queue.remove(entry)) return;
        this.#abandoned++;
        refuse(ctx.signal.reason);
      };
      this.#queue.push(entry);
      ctx.signal.addEventListener('abort', entry.onAbort, { once: true });
    });
  }

  /** The call ended: its slot (if it had one) goes to the next queued call the queue gives. */
  release(ctx: LiveContext): void {
    const slot = this.#holders.get(ctx);
    if (slot === undefined) return;
    this.#holders.delete(ctx);
    const heldMs = this.#now() - slot.since;
    if (!ctx.cancelled) {
      // Per-call weight, not per-ms: the estimate should follow the calls, however few.
      this.#handlingMs = this.#handlingMs === 0 ? heldMs : this.#handlingMs + (heldMs - this.#handlingMs) / 16;
      this.#adaptive?.sample(heldMs, slot.inFlight);
    } else if (ranOutOfTime(ctx)) {
      // Held until its caller's deadline passed, or until the node answered for it just before
      // (deadline-answer.ts): the node took longer than callers allow.
      this.#adaptive?.drop();
    }
    this.#serveQueue();
  }

  /** The node's admission figures, for `server.stats()`. */
  stats(): AdmissionStats {
    return {
      limit: this.limit,
      running: this.#holders.size,
      queued: this.#queue.length,
      handlingMs: this.#handlingMs,
      refused: { ...this.#refused },
      abandoned: this.#abandoned,
    };
  }

  #hold(ctx: LiveContext): void {
    this.#holders.set(ctx, { since: this.#now(), inFlight: this.#holders.size + 1 });
  }

  #checkDeadline(deadline: Date | undefined, limit: number): void {
    if (deadline === undefined || this.#handlingMs === 0) return;
    const leftMs = deadline.getTime() - Date.now();
    const ahead = this.#queue.ahead;
    const waitMs = ((ahead + 1) * this.#handlingMs) / limit;
    if (leftMs >= waitMs + this.#handlingMs) return;
    this.#refused.deadline++;
    throw new RpcError(
      Status.RESOURCE_EXHAUSTED,
      `node ${this.#nodeId} cannot meet the deadline: expected wait ${ms(waitMs)} ms (${ahead} queued ahead, ` +
        `limit ${limit}) + ${ms(this.#handlingMs)} ms handling, ${ms(Math.max(0, leftMs))} ms left`,
    );
  }

  #serveQueue(): void {
    while (this.#holders.size < this.limit) {
      const next = this.#queue.take((dropped, sojournMs, allowedMs) => {
        this.#refused.codel++;
        dropped.ctx.signal.removeEventListener('abort', dropped.onAbort);
        dropped.refuse(
          new RpcError(
            Status.RESOURCE_EXHAUSTED,
            `node ${this.#nodeId} dropped the call after ${ms(sojournMs)} ms in its queue ` +
              `(over ${allowedMs} ms, the longest a call waits while the queue stands)`,
          ),
        );
      });
      if (next === undefined) return;
      next.ctx.signal.removeEventListener('abort', next.onAbort);
      this.#hold(next.ctx);
      next.admit();
    }
  }
}

/** Admission options of `createServer` (part of `ServerOptions`). */
export interface AdmissionOptions {
  /**
   * At most this many calls run their handlers at once (default unlimited); calls over the
   * limit wait in `maxQueuedCalls` or are refused with RESOURCE_EXHAUSTED. `'adaptive'` (or
   * the algorithm's settings) sets the limit from the time calls hold their slot: it falls
   * when they take over twice the no-load time, and grows while they do not (node defaults:
   * min 1, initial 20, max 1,000; see docs/guides/resilience.md).
   */
  readonly maxConcurrentCalls?: number | 'adaptive' | AdaptiveLimitOptions;
  /**
   * With `maxConcurrentCalls`: how many calls may wait for a slot (default 0 with a number:
   * refuse at once; 1,000 with `'adaptive'`; `Infinity`: queue all). A call whose deadline
   * cannot be met after the expected wait is refused at arrival.
   */
  readonly maxQueuedCalls?: number;
  /**
   * The order of the queue and what it sheds under sustained overload (default CoDel when
   * adaptive, FIFO with a fixed limit).
   */
  readonly queue?: QueueOptions;
}

/** The node's admission control, in `server.stats().admission` (with `maxConcurrentCalls`). */
export interface AdmissionStats {
  /** Calls that may run their handlers at once now (the adaptive limit's current value). */
  readonly limit: number;
  /** Calls running their handlers now. */
  readonly running: number;
  /** Calls waiting for a slot now. */
  readonly queued: number;
  /** Mean time a call holds its slot (recent calls), in ms; 0 before the first. */
  readonly handlingMs: number;
  /** Calls refused with RESOURCE_EXHAUSTED before their handler ran, by reason. */
  readonly refused: {
    /** At arrival: every slot busy and the queue full. */
    readonly queueFull: number;
    /** At arrival: the deadline left is shorter than the expected wait plus the handling time. */
    readonly deadline: number;
    /** From the queue's head: waited longer than the queue discipline allows (CoDel). */
    readonly codel: number;
  };
  /** Queued calls that left before their turn (cancelled, or their deadline passed). */
  readonly abandoned: number;
}

interface Waiting extends QueuedCall {
  readonly ctx: LiveContext;
  readonly admit: () => void;
  readonly refuse: (reason: unknown) => void;
  onAbort: () => void;
}

interface Slot {
  readonly since: number;
  /** Calls holding a slot when this one got it, itself included. */
  readonly inFlight: number;
}

const LIMIT_RULE = "a positive integer, 'adaptive' or adaptive limit options";
/** Queue bound of an adaptive node: the deadline check and the discipline bound the wait, this the memory. */
const ADAPTIVE_QUEUE = 1000;

/** A node's handling time is its own work, with no network in it: one call at a time is a valid floor. */
function nodeDefaults(options: AdaptiveLimitOptions): AdaptiveLimitOptions {
  return { min: 1, ...options };
}

function queueOptions(
  where: string,
  options: QueueOptions = {},
  defaultDiscipline: NonNullable<QueueOptions['discipline']>,
): Required<QueueOptions> {
  const o = { discipline: defaultDiscipline, targetMs: 5, intervalMs: 100, ...options };
  if (!['fifo', 'adaptive-lifo', 'codel'].includes(o.discipline)) {
    throw outOfRange(where, 'queue discipline', "'fifo', 'adaptive-lifo' or 'codel'", o.discipline);
  }
  positiveNumber(o.targetMs, where, 'queue targetMs');
  positiveNumber(o.intervalMs, where, 'queue intervalMs');
  return o;
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(1) : value.toFixed(0);
}

/** Whether a cancelled call's time ran out: its deadline passed, or the node answered DEADLINE_EXCEEDED for it. */
function ranOutOfTime(ctx: LiveContext): boolean {
  if (ctx.deadline !== undefined && ctx.deadline.getTime() <= Date.now()) return true;
  const reason: unknown = ctx.signal.reason;
  return reason instanceof RpcError && reason.code === Status.DEADLINE_EXCEEDED;
}
