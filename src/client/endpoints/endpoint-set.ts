import type { Balancer, PickContext } from '../../balancer/balancer.js';
import { RpcError } from '../../common/rpc-error.js';
import { Status } from '../../common/status.js';
import type { ResolvedEndpoint } from '../../discovery/resolver.js';
import type { BudgetStats, ClientStats, DiscoveryStats, ThrottleStats } from '../api/client-stats.js';
import { ClientEndpoint } from './client-endpoint.js';
import type { EndpointLimits } from './concurrency-limit.js';
import type { ConnectionSettings } from './connection.js';
import { LimitQueue, type QueuedCall } from './limit-queue.js';
import { OutlierDetector, type OutlierDetectionOptions } from './outlier-detector.js';

/**
 * The endpoints of one client. It keeps the balancer's view equal to the READY endpoints
 * and lets calls wait for one (like grpc's `waitForReady`) when none is ready yet. With
 * concurrency limits, a node at its limit is left out of a pick (it is passed to the
 * balancer among `tried`, the one way a balancer is told to avoid a node), and when every
 * ready node is at its limit a call waits in the {@link LimitQueue}; while calls wait, new
 * ones queue behind them (FIFO), and each attempt's end hands its slot to the first.
 */
export class EndpointSet {
  private members: readonly ClientEndpoint[] = [];
  /** The ready members, as the balancer has them. */
  private ready: readonly ClientEndpoint[] = [];
  private readonly queue: LimitQueue | undefined;
  private readonly waiters = new Set<() => void>();
  /** The endpoints of the slots granted to queued calls in this macrotask (see `drain`). */
  private readonly granted: ClientEndpoint[] = [];
  private memberSet = new Set<ClientEndpoint>();
  /** A refresh is due at `setImmediate` for endpoints that became ready (see `changed`). */
  private refreshDue = false;
  private closed = false;
  private readonly outliers: OutlierDetector | undefined;

  constructor(
    private readonly service: string,
    private readonly balancer: Balancer,
    private readonly settings: ConnectionSettings,
    outlierDetection: OutlierDetectionOptions | false,
    private readonly limits: EndpointLimits | undefined,
  ) {
    this.balancer.update([]);
    this.queue = limits === undefined ? undefined : new LimitQueue(service, limits.queueLimit, () => this.ready);
    this.outliers =
      outlierDetection === false
        ? undefined
        : new OutlierDetector(
            outlierDetection,
            () => this.endpoints.length,
            (endpoint) => (endpoint as ClientEndpoint).ejectionChanged(),
          );
  }

  /** The members, as last set by `replace` (see `Membership`). */
  get endpoints(): readonly ClientEndpoint[] {
    return this.members;
  }

  /** Opens a connection to a new endpoint whose changes refresh this set; `replace` makes it a member. */
  connect(config: ResolvedEndpoint): ClientEndpoint {
    return new ClientEndpoint(config, this.settings, (ready) => this.changed(ready), this.limits?.create());
  }

  /** Makes `endpoints` the members and offers the ready ones to the balancer. */
  replace(endpoints: readonly ClientEndpoint[]): void {
    this.memberSet = new Set(endpoints);
    for (const endpoint of this.members) if (!this.memberSet.has(endpoint)) this.outliers?.forget(endpoint);
    this.members = endpoints;
    this.refresh();
  }

  /**
   * Feeds an attempt's outcome to outlier ejection (not for nodes that left the set and
   * drain), then lets the calls first in the concurrency queue take the slots now free.
   */
  recordOutcome(endpoint: ClientEndpoint, code: number): void {
    if (this.memberSet.has(endpoint)) this.outliers?.record(endpoint, code);
    this.drain();
  }

  /**
   * A pick right now, or undefined if the client is closed, the balancer has nothing ready,
   * every ready node is at its concurrency limit, or calls wait for a slot already.
   */
  pick(call: PickContext): ClientEndpoint | undefined {
    // Closed: none, so that the call learns why from waitForPick.
    if (this.closed) return undefined;
    // An endpoint that reads ready in stats takes calls from the next pick on, not from setImmediate.
    if (this.refreshDue) this.refresh();
    if (this.queue !== undefined && this.queue.length > 0) return undefined;
    const picked = this.balancer.pick(call) as ClientEndpoint | undefined;
    if (picked === undefined || picked.hasRoom()) return picked;
    return this.pickWithRoom(call);
  }

  /**
   * Waits for a pick until `deadline` (ms since epoch) or `signal`; then UNAVAILABLE /
   * CANCELLED. When a ready node is at its limit and the pick found none with room (or calls
   * wait already), the call waits in the concurrency queue instead, or fails at once with
   * RESOURCE_EXHAUSTED when it may not (see `LimitQueue`).
   */
  async waitForPick(call: QueuedCall, deadline: number, signal: AbortSignal | undefined): Promise<ClientEndpoint> {
    for (;;) {
      if (this.closed)
        throw new RpcError(Status.CANCELLED, `client of ${this.service} closed`, undefined, { path: call.path });
      const endpoint = this.pick(call);
      if (endpoint !== undefined) return endpoint;
      const queue = this.queue;
      // Some node at its limit (or calls queued already): wait for a slot, not for the ready set to change.
      if (queue !== undefined && (queue.length > 0 || this.ready.some((e) => !e.hasRoom()))) {
        const refusal = queue.refusal(call, deadline);
        if (refusal !== undefined) throw refusal;
        return queue.wait(call, deadline, signal);
      }
      if (Date.now() >= deadline) throw this.notReadyError(call.path, call.tried);
      if (!(await this.nextChange(deadline, signal))) {
        throw new RpcError(Status.CANCELLED, 'call cancelled while waiting for a ready endpoint', undefined, {
          path: call.path,
        });
      }
    }
  }

  /** Resolves once one endpoint (or `all`) is ready; UNAVAILABLE at `deadline`. */
  async whenReady(all: boolean, deadline: number): Promise<void> {
    // The balancer's view, not the endpoints' flags: ready means a call may be picked there now.
    const isReady = () =>
      !this.refreshDue &&
      (all ? this.endpoints.length > 0 && this.endpoints.every((e) => e.ready) : this.ready.length > 0);
    while (!isReady()) {
      if (this.closed) throw new RpcError(Status.CANCELLED, `client of ${this.service} closed`);
      if (Date.now() >= deadline) throw this.notReadyError(undefined, []);
      await this.nextChange(deadline, undefined);
    }
  }

  /** Resolves true at the next change of the ready set or at `deadline`, false when `signal` aborts. */
  private nextChange(deadline: number, signal: AbortSignal | undefined): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const settle = (changed: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.delete(wake);
        resolve(changed);
      };
      const wake = () => settle(true);
      const onAbort = () => settle(false);
      const timer = setTimeout(wake, Math.max(0, deadline - Date.now()));
      this.waiters.add(wake);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** `client.stats()`: every member's counters against the totals. */
  stats(
    service: string,
    balancer: string,
    discovery: DiscoveryStats,
    hedgingBudget: BudgetStats,
    throttle: ThrottleStats | undefined,
  ): ClientStats {
    const now = performance.now();
    const endpoints = this.members;
    let calls = 0;
    let failures = 0;
    let recentCalls = 0;
    let readyWeight = 0;
    for (const e of endpoints) {
      calls += e.measured.calls;
      failures += e.measured.failures;
      recentCalls += e.measured.recent.total(now);
      if (e.ready) readyWeight += e.weight;
    }
    return {
      service,
      balancer,
      calls,
      failures,
      windowMs: endpoints[0]?.measured.recent.windowMs ?? 0,
      recentCalls,
      endpoints: endpoints.map((e) => e.stats(calls, recentCalls, readyWeight, now)),
      discovery,
      hedgingBudget,
      concurrencyQueue: this.queue?.stats(),
      throttle,
    };
  }

  close(): void {
    this.closed = true;
    this.outliers?.close();
    for (const endpoint of this.endpoints) endpoint.close();
    for (const wake of [...this.waiters]) wake();
    this.queue?.close(new RpcError(Status.CANCELLED, `client of ${this.service} closed`));
  }

  /**
   * An endpoint's readiness (or its identity while ready) changed. One that left is taken out
   * of the balancer's view at once, so that no pick goes to it; those that became ready are
   * offered together once per turn of the event loop (`setImmediate`), or at the next pick
   * if that comes first: each refresh filters every member and rebuilds the balancer's
   * picker, and 1,000 endpoints that connect one by one made that quadratic (a million
   * member visits before the last was ready).
   */
  private changed(ready: boolean): void {
    // Closing: every endpoint closes in turn, and the waiters and the queue are ended by close().
    if (this.closed) return;
    if (!ready) {
      this.refresh();
      return;
    }
    if (this.refreshDue) return;
    this.refreshDue = true;
    setImmediate(() => {
      if (this.refreshDue && !this.closed) this.refresh();
    });
  }

  private refresh(): void {
    this.refreshDue = false;
    this.ready = this.endpoints.filter((endpoint) => endpoint.ready);
    this.balancer.update(this.ready);
    for (const wake of [...this.waiters]) wake();
    this.drain();
  }

  /**
   * A pick among the ready nodes with room: the balancer picks again with the nodes at
   * their limit among `tried` (allocates; only when the first pick was at its limit).
   */
  private pickWithRoom(call: PickContext): ClientEndpoint | undefined {
    const full = this.ready.filter((e) => !e.hasRoom());
    if (full.length === this.ready.length) return undefined;
    const tried = [...call.tried, ...full];
    const { path, metadata, key, attempt } = call;
    const picked = this.balancer.pick({ path, metadata, key, attempt, tried }) as ClientEndpoint | undefined;
    return picked?.hasRoom() ? picked : undefined;
  }

  /**
   * Hands free slots to the calls first in the queue, each reserved on its node until an
   * attempt begins there or, at the latest, until the current macrotask ends: every call
   * kind continues from its resolved pick in microtasks and begins its attempt synchronously
   * there, so by `setImmediate` the attempt holds the slot in `inFlight`, or the call failed
   * before it began (a throwing telemetry hook, an inherited signal) and the slot is free
   * again. A reservation so cannot outlive its call; the queue is drained again when the
   * leftovers end.
   */
  private drain(): void {
    const queue = this.queue;
    if (queue === undefined) return;
    for (let call = queue.head; call !== undefined; call = queue.head) {
      const endpoint = this.pickWithRoom(call);
      if (endpoint === undefined) return;
      endpoint.reserved++;
      if (this.granted.length === 0) setImmediate(() => this.endReservations());
      this.granted.push(endpoint);
      queue.grant(endpoint);
    }
  }

  /** Ends the reservations the last macrotask's grants left unused, and hands those slots on. */
  private endReservations(): void {
    for (const endpoint of this.granted) endpoint.reserved = 0;
    this.granted.length = 0;
    this.drain();
  }

  private notReadyError(path: string | undefined, tried: PickContext['tried']): RpcError {
    const seen =
      this.endpoints
        .map((e) => `${e.address} ${e.connectionState}${e.lastError === undefined ? '' : ` (${e.lastError})`}`)
        .join(', ') || 'none known yet';
    const attempts = tried.length > 0 ? `; attempts went to ${tried.map((e) => e.id).join(', ')}` : '';
    return new RpcError(
      Status.UNAVAILABLE,
      `no ready endpoint for ${this.service} (endpoints: ${seen}${attempts})`,
      undefined,
      path === undefined ? undefined : { path },
    );
  }
}
