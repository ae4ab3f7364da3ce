import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A node with one worker and a fixed service time: calls queue and are served one at a
 * time (an M/D/1 server). The schedule is kept on a virtual clock, so late timers do not
 * lower the node's capacity: it is exactly 1000 / serviceMs calls per second.
 */
export class SingleWorker {
  private freeAt = 0;

  constructor(readonly serviceMs: number) {}

  /** Resolves when this call's turn on the worker is over. */
  async serve(signal?: AbortSignal): Promise<void> {
    const now = performance.now();
    this.freeAt = Math.max(now, this.freeAt) + this.serviceMs;
    await sleep(this.freeAt - now, undefined, { signal });
  }

  /** Calls per second this worker can serve. */
  get capacity(): number {
    return 1000 / this.serviceMs;
  }
}
