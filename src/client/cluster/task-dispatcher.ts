/**
 * Task dispatch over a cluster: a task is one call of an idempotent unary
 * method. The client's balancer for that method chooses the node; when the node fails the
 * task in a way that says "not done here" (it died mid-task, dropped the connection, ran
 * out of time) the task moves to a node it has not tried yet, so a node lost mid-run loses
 * no task. Callers await a task (`run`) or get a handle (`submit`) with a `done` promise
 * and an `onComplete` callback; `stats()` says which node completed how many.
 *
 * Each attempt is a single call on the chosen node (`unaryOn`); the failover
 * loop is here rather than in the client's retries because it covers more codes than a
 * plain call may safely retry, and it is bounded by the dispatcher's own attempt count.
 */
import { RpcError, toRpcError } from '../../common/rpc-error.js';
import { Status } from '../../common/status.js';
import type { ServiceDescriptor } from '../../schema/descriptor.js';
import type { DeepPartial, RequestOf, ResponseOf } from '../../schema/types.js';
import type { UnaryMethodName } from '../api/broadcast-types.js';
import type { Client } from '../api/client-types.js';
import { unaryOn } from '../call/unary.js';
import { type ClientMethodInternals, internalsOf } from './client-internals.js';
import { integerAtLeast } from '../../common/option-checks.js';

/** Options of a {@link TaskDispatcher}. */
export interface TaskDispatcherOptions {
  /** Attempts per task, each on a node the task has not tried while one is ready (default 5). */
  readonly maxAttempts?: number;
  /** Deadline of each attempt in ms (default: the client's `deadlineMs`). */
  readonly attemptDeadlineMs?: number;
  /** Status codes after which a task moves to another node (default UNAVAILABLE, CANCELLED, DEADLINE_EXCEEDED). */
  readonly failoverOn?: readonly Status[];
  /** Tasks running at once; more wait in order (default 64). */
  readonly concurrency?: number;
}

/** Per-task options. */
export interface TaskOptions {
  /** Routing key, for key-aware balancers such as `consistentHash`. */
  readonly key?: string;
  /** Request metadata. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Cancels the task (an attempt in flight is cancelled; no failover follows). */
  readonly signal?: AbortSignal;
}

/** A submitted task. */
export interface TaskHandle<T> {
  /** Resolves with the task's result; rejects with the last attempt's `RpcError`. */
  readonly done: Promise<T>;
  /** Calls `callback` once the task ends (at once, asynchronously, if it already has). */
  onComplete(callback: (error: RpcError | undefined, value: T | undefined) => void): TaskHandle<T>;
}

/** Counters of a dispatcher since it was made. */
export interface TaskDispatcherStats {
  readonly submitted: number;
  readonly completed: number;
  readonly failed: number;
  /** Attempts that failed on one node and moved the task to another. */
  readonly failovers: number;
  readonly running: number;
  readonly queued: number;
  /** Per node id: tasks completed there, and attempts that failed there. */
  readonly byNode: Readonly<Record<string, { readonly completed: number; readonly failedAttempts: number }>>;
}

const DEFAULT_FAILOVER: readonly Status[] = [Status.UNAVAILABLE, Status.CANCELLED, Status.DEADLINE_EXCEEDED];

/** Runs tasks (calls of one unary method) over a client's nodes, failing over when a node dies. */
export class TaskDispatcher<S extends ServiceDescriptor, K extends UnaryMethodName<S> & string> {
  private readonly target: ClientMethodInternals;
  private readonly maxAttempts: number;
  private readonly failoverOn: ReadonlySet<number>;
  private readonly concurrency: number;
  private readonly attemptDeadlineMs: number | undefined;
  private readonly queue: (() => void)[] = [];
  private running = 0;
  private submitted = 0;
  private completed = 0;
  private failed = 0;
  private failovers = 0;
  private readonly byNode = new Map<string, { completed: number; failedAttempts: number }>();
  private readonly idle = new Set<() => void>();

  constructor(client: Client<S>, method: K, options: TaskDispatcherOptions = {}) {
    const where = `TaskDispatcher(${String(method)})`;
    const internals = internalsOf(client, where);
    const target = internals.method(method);
    if (target === undefined || target.method.requestStream || target.method.responseStream) {
      throw new TypeError(`${where}: not a unary method of ${internals.service.name}`);
    }
    this.target = target;
    this.maxAttempts = integerAtLeast(options.maxAttempts ?? 5, 1, where, 'maxAttempts');
    this.concurrency = integerAtLeast(options.concurrency ?? 64, 1, where, 'concurrency');
    this.attemptDeadlineMs = options.attemptDeadlineMs;
    this.failoverOn = new Set(options.failoverOn ?? DEFAULT_FAILOVER);
  }

  /** Runs a task and resolves with its result. */
  run(
    request: DeepPartial<RequestOf<S['methods'][K]>>,
    options: TaskOptions = {},
  ): Promise<ResponseOf<S['methods'][K]>> {
    return this.submit(request, options).done;
  }

  /** Queues a task; the handle's `done` and `onComplete` report its end. */
  submit(
    request: DeepPartial<RequestOf<S['methods'][K]>>,
    options: TaskOptions = {},
  ): TaskHandle<ResponseOf<S['methods'][K]>> {
    type Res = ResponseOf<S['methods'][K]>;
    this.submitted++;
    const done = new Promise<void>((start) => {
      if (this.running < this.concurrency) {
        this.running++;
        start();
      } else this.queue.push(start);
    }).then(() => this.execute(request, options)) as Promise<Res>;
    // A task nobody awaits must not surface as an unhandled rejection; its handle still rejects.
    done.catch(() => {});
    const handle: TaskHandle<Res> = {
      done,
      onComplete(callback) {
        done.then(
          (value) => callback(undefined, value),
          (error: RpcError) => callback(error, undefined),
        );
        return handle;
      },
    };
    return handle;
  }

  /** Resolves once no task is running or queued. */
  async drain(): Promise<void> {
    while (this.running > 0 || this.queue.length > 0) await new Promise<void>((resolve) => this.idle.add(resolve));
  }

  stats(): TaskDispatcherStats {
    return {
      submitted: this.submitted,
      completed: this.completed,
      failed: this.failed,
      failovers: this.failovers,
      running: this.running,
      queued: this.queue.length,
      byNode: Object.fromEntries([...this.byNode].map(([id, counts]) => [id, { ...counts }])),
    };
  }

  /** Runs a task that holds one of the `concurrency` slots; hands the slot on when done. */
  private async execute(request: unknown, options: TaskOptions): Promise<unknown> {
    try {
      const value = await this.attempts(request, options);
      this.completed++;
      return value;
    } catch (error) {
      this.failed++;
      throw error;
    } finally {
      const next = this.queue.shift();
      if (next !== undefined) next();
      else this.running--;
      if (this.running === 0) {
        for (const resolve of this.idle) resolve();
        this.idle.clear();
      }
    }
  }

  private async attempts(request: unknown, options: TaskOptions): Promise<unknown> {
    const { method, codec, pipeline } = this.target;
    // The picks' context: each attempt goes to a node the task has not tried while one is ready.
    const call = pipeline.single(method, { ...options, deadlineMs: Number.POSITIVE_INFINITY });
    const attemptOptions = { deadlineMs: this.attemptDeadlineMs, metadata: options.metadata, signal: options.signal };
    for (;;) {
      const endpoint = await pipeline.pick(call);
      try {
        const value = await unaryOn(pipeline, endpoint, method, codec, request, attemptOptions);
        this.node(endpoint.id).completed++;
        return value;
      } catch (error) {
        const failure = toRpcError(error, { path: method.path, node: endpoint.id, address: endpoint.address });
        this.node(endpoint.id).failedAttempts++;
        call.tried.push(endpoint);
        const moveOn = this.failoverOn.has(failure.code) && !options.signal?.aborted && call.attempt < this.maxAttempts;
        if (!moveOn) {
          if (call.attempt === 1) throw failure;
          const nodes = call.tried.map((e) => e.id).join(', ');
          const details = `${failure.details} (task failed after ${call.attempt} attempts on ${nodes})`;
          throw new RpcError(failure.code, details, failure.metadata, failure.source);
        }
        call.attempt++;
        this.failovers++;
      }
    }
  }

  private node(id: string): { completed: number; failedAttempts: number } {
    let counts = this.byNode.get(id);
    if (counts === undefined) {
      counts = { completed: 0, failedAttempts: 0 };
      this.byNode.set(id, counts);
    }
    return counts;
  }
}
