import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A node with one worker and a fixed service time: calls queue and are served one at a
 * time (an M/D/1 server). The schedule is kept on a virtual clock, so late timers do not
 * lower the node's capacity: it is exactly 1000 / serviceMs calls per second. The service
 * time may change at run time (a node that slows down); calls already queued keep theirs.
 */
export class SingleWorker {
  private freeAt = 0;
  private busyMs = 0;
  private served = 0;
  private windowStart = performance.now();

  constructor(public serviceMs: number) {}

  /** Resolves when this call's turn on the worker is over. */
  async serve(signal?: AbortSignal): Promise<void> {
    const now = performance.now();
    const serviceMs = this.serviceMs;
    this.freeAt = Math.max(now, this.freeAt) + serviceMs;
    await sleep(this.freeAt - now, undefined, { signal });
    this.busyMs += serviceMs;
    this.served++;
  }

  /** Calls per second this worker can serve. */
  get capacity(): number {
    return 1000 / this.serviceMs;
  }

  /**
   * The worker's busy share and calls served per second since the last call (what a node
   * whose capacity is this worker reports as its load), and starts a new window.
   */
  takeLoad(): { readonly utilization: number; readonly qps: number } {
    const now = performance.now();
    const elapsed = Math.max(1, now - this.windowStart);
    const load = { utilization: Math.min(1, this.busyMs / elapsed), qps: (this.served * 1000) / elapsed };
    this.busyMs = 0;
    this.served = 0;
    this.windowStart = now;
    return load;
  }
}
