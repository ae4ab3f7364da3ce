import type { PickContext } from '../../balancer/balancer.js';
import { RpcError } from '../../common/rpc-error.js';
import { Status } from '../../common/status.js';
import type { ConcurrencyQueueStats } from '../api/client-stats.js';
import type { ClientEndpoint } from './client-endpoint.js';

/** A call that may wait in the queue: its routing context and its own deadline (ms since epoch), if any. */
export interface QueuedCall extends PickContext {
  readonly deadline: number | undefined;
}

interface Waiter {
  readonly call: QueuedCall;
  readonly enqueuedAt: number;
  readonly resolve: (endpoint: ClientEndpoint) => void;
  readonly reject: (error: RpcError) => void;
  readonly timer: NodeJS.Timeout;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

/** The share of a call's remaining time its expected finish may take for it to wait in line ("half" in the refusal). */
const WAIT_SHARE = 0.5;

/**
 * The calls waiting for a slot while the ready nodes they may go to are at their concurrency
 * limit: a bounded FIFO. A call joins only if there is room and it can still finish in time:
 * the full nodes complete calls at a rate r = Σ 1 / serviceTimeᵢ (serviceTime: the node's time
 * per queued call, the floor EWMA leastLoad weighs by), so a call behind `waiting` others
 * finishes after about
 *
 *   (waiting + 1 + Σ limitᵢ) / r   ms
 *
 * (its turn, then the limit's worth of calls ahead of it on its node, Little's law); when
 * that is more than half the time it has left it fails at once with RESOURCE_EXHAUSTED (the
 * estimate is a mean: allowed up to the whole deadline, a queue under 2x offered load filled
 * to it and the calls that waited longest ran out of time on the node). A waiting call
 * leaves when an attempt's end frees a slot (the endpoint set hands it the endpoint: no
 * timer polls), at its deadline, or when it is cancelled.
 */
export class LimitQueue {
  readonly #waiters: Waiter[] = [];
  #refused = 0;

  /**
   * @param service - the service, named in errors.
   * @param limit - calls that may wait at once (`concurrencyQueueLimit`).
   * @param ready - the ready nodes now (those at their limit are the ones a waiting call waits for).
   */
  constructor(
    private readonly service: string,
    readonly limit: number,
    private readonly ready: () => readonly ClientEndpoint[],
  ) {}

  /** Calls waiting now. */
  get length(): number {
    return this.#waiters.length;
  }

  /** The call first in line, if any. */
  get head(): QueuedCall | undefined {
    return this.#waiters[0]?.call;
  }

  /**
   * The RESOURCE_EXHAUSTED of a call that may not wait for a slot on the ready nodes at their
   * limit until `deadline` (ms since epoch), or undefined when it may.
   */
  refusal(call: QueuedCall, deadline: number): RpcError | undefined {
    const waiting = this.#waiters.length;
    const full = this.ready().filter((e) => !e.hasRoom());
    let reason: string | undefined;
    if (waiting >= this.limit) {
      reason = `${waiting} ${waiting === 1 ? 'call waits' : 'calls wait'} (concurrencyQueueLimit ${this.limit})`;
    } else {
      const expected = expectedFinishMs(full, waiting);
      const left = deadline - Date.now();
      if (expected > left * WAIT_SHARE) {
        const what = call.deadline === undefined ? 'waitForReadyMs' : 'deadline';
        const ahead = `${waiting} waiting call${waiting === 1 ? '' : 's'}`;
        const finish = `it would finish in ~${Math.ceil(expected)} ms`;
        const share = `more than half of the ${Math.max(0, Math.floor(left))} ms left of its ${what}`;
        reason = `behind ${ahead} ${finish}, ${share}`;
      }
    }
    if (reason === undefined) return undefined;
    this.#refused++;
    return new RpcError(Status.RESOURCE_EXHAUSTED, `${this.blocked(full, waiting)} and ${reason}`, undefined, {
      path: call.path,
    });
  }

  /**
   * Waits in line until an endpoint is handed over ({@link LimitQueue.grant}); at `deadline`
   * fails with DEADLINE_EXCEEDED (RESOURCE_EXHAUSTED for a call without a deadline, waiting
   * `waitForReadyMs`), when `signal` aborts with CANCELLED.
   */
  wait(call: QueuedCall, deadline: number, signal: AbortSignal | undefined): Promise<ClientEndpoint> {
    return new Promise<ClientEndpoint>((resolve, reject) => {
      const enqueuedAt = Date.now();
      const leave = (error: RpcError) => {
        const at = this.#waiters.indexOf(waiter);
        if (at < 0) return;
        this.#waiters.splice(at, 1);
        settle(waiter);
        reject(error);
      };
      const expire = () => {
        const code = call.deadline === undefined ? Status.RESOURCE_EXHAUSTED : Status.DEADLINE_EXCEEDED;
        const what = call.deadline === undefined ? 'waitForReadyMs' : 'deadline';
        const waited = `${what} passed after ${Date.now() - enqueuedAt} ms in the concurrency-limit queue`;
        const full = this.ready().filter((e) => !e.hasRoom());
        const blocked = this.blocked(full, this.#waiters.indexOf(waiter));
        leave(new RpcError(code, `${blocked}: ${waited}`, undefined, { path: call.path }));
      };
      const onAbort = () =>
        leave(
          new RpcError(
            Status.CANCELLED,
            'call cancelled while waiting for a node under its concurrency limit',
            undefined,
            { path: call.path },
          ),
        );
      const timer = setTimeout(expire, Math.max(0, deadline - enqueuedAt));
      const waiter: Waiter = { call, enqueuedAt, resolve, reject, timer, signal, onAbort };
      this.#waiters.push(waiter);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Hands `endpoint` (a slot reserved there) to the call first in line. */
  grant(endpoint: ClientEndpoint): void {
    const waiter = this.#waiters.shift();
    if (waiter === undefined) return;
    settle(waiter);
    waiter.resolve(endpoint);
  }

  /**
   * Why a call with `ahead` calls in line before it cannot go now, naming only the nodes at
   * their limit (`full`): `Echo: every ready node is at its concurrency limit (node-a 4,
   * node-b 2)`, or, when another node has room, why the call may not take it: the calls
   * ahead go first (FIFO), or the balancer did not pick it for this call.
   */
  private blocked(full: readonly ClientEndpoint[], ahead: number): string {
    const ready = this.ready().length;
    if (ready === 0) return `${this.service}: no node is ready`;
    const limits = full.length === 0 ? '' : ` (${full.map((e) => `${e.id} ${e.concurrencyLimit}`).join(', ')})`;
    if (full.length === ready) return `${this.service}: every ready node is at its concurrency limit${limits}`;
    const one = full.length === 1;
    const verb = one ? 'is' : 'are';
    const some = `${full.length} of ${ready} ready nodes ${verb} at ${one ? 'its' : 'their'} concurrency limit`;
    const others = ahead > 0 ? 'calls wait ahead of it (FIFO)' : 'the others were not picked for it';
    return `${this.service}: ${some}${limits}, ${others}`;
  }

  /** Calls waiting, the bound, and the calls refused at once so far. */
  stats(): ConcurrencyQueueStats {
    return { waiting: this.#waiters.length, limit: this.limit, refused: this.#refused };
  }

  /** Fails every waiting call with `error` (the client closed). */
  close(error: RpcError): void {
    for (const waiter of this.#waiters.splice(0)) {
      settle(waiter);
      waiter.reject(error);
    }
  }
}

function settle(waiter: Waiter): void {
  clearTimeout(waiter.timer);
  waiter.signal?.removeEventListener('abort', waiter.onAbort);
}

/** When a call behind `waiting` others would finish, ms from now (0 while no node has a latency yet). */
function expectedFinishMs(full: readonly ClientEndpoint[], waiting: number): number {
  let rate = 0;
  let slots = 0;
  for (const e of full) {
    const service = e.serviceTimeMs;
    if (service <= 0) return 0;
    rate += 1 / service;
    slots += e.concurrencyLimit ?? 0;
  }
  return rate === 0 ? 0 : (waiting + 1 + slots) / rate;
}
