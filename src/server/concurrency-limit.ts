import { RpcError } from '../common/rpc-error.js';
import { Status } from '../common/status.js';
import type { LiveContext } from './call-context.js';

/**
 * Admission control of a node (`createServer({ maxConcurrentCalls, maxQueuedCalls })`): at
 * most `max` calls run their handlers at once; up to `maxQueued` more wait, in arrival
 * order, for a slot (until their deadline or cancellation); the rest are refused at once
 * with RESOURCE_EXHAUSTED, before their handler runs, so the node stays responsive and a
 * client can take the call elsewhere. Health and node-info calls are never limited.
 */
export class ConcurrencyLimit {
  private readonly holders = new Set<LiveContext>();
  private readonly queue: { ctx: LiveContext; admit: () => void }[] = [];

  constructor(
    private readonly nodeId: string,
    private readonly max: number,
    private readonly maxQueued: number,
  ) {
    if (!(Number.isSafeInteger(max) && max > 0)) {
      throw new RangeError(`createServer(${nodeId}): maxConcurrentCalls must be a positive integer, got ${max}`);
    }
    if (!(maxQueued === Number.POSITIVE_INFINITY || (Number.isSafeInteger(maxQueued) && maxQueued >= 0))) {
      throw new RangeError(
        `createServer(${nodeId}): maxQueuedCalls must be an integer >= 0 or Infinity, got ${maxQueued}`,
      );
    }
  }

  /** Undefined when the call may run now; a promise when it is queued; throws when it is refused. */
  admit(ctx: LiveContext): Promise<void> | undefined {
    if (this.holders.size < this.max) {
      this.holders.add(ctx);
      return undefined;
    }
    if (this.queue.length >= this.maxQueued) {
      const queued = this.maxQueued > 0 ? ` and ${this.maxQueued} queued` : '';
      throw new RpcError(
        Status.RESOURCE_EXHAUSTED,
        `node ${this.nodeId} is at its limit of ${this.max} concurrent calls${queued}`,
      );
    }
    return new Promise<void>((resolve, reject) => {
      const entry = { ctx, admit: resolve };
      this.queue.push(entry);
      ctx.signal.addEventListener(
        'abort',
        () => {
          const index = this.queue.indexOf(entry);
          if (index >= 0) this.queue.splice(index, 1);
          reject(ctx.signal.reason);
        },
        { once: true },
      );
    });
  }

  /** The call ended: its slot (if it had one) goes to the longest-waiting queued call. */
  release(ctx: LiveContext): void {
    if (!this.holders.delete(ctx)) return;
    const next = this.queue.shift();
    if (next === undefined) return;
    this.holders.add(next.ctx);
    next.admit();
  }
}
