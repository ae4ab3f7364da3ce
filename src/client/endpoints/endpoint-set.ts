import type { Balancer, PickContext } from '../../balancer/balancer.js';
import { RpcError } from '../../common/rpc-error.js';
import { Status } from '../../common/status.js';
import type { ResolvedEndpoint } from '../../discovery/resolver.js';
import type { BudgetStats, ClientStats, DiscoveryStats } from '../api/client-stats.js';
import { ClientEndpoint } from './client-endpoint.js';
import type { ConnectionSettings } from './connection.js';
import { OutlierDetector, type OutlierDetectionOptions } from './outlier-detector.js';

/**
 * The endpoints of one client. It keeps the balancer's view equal to the READY endpoints
 * and lets calls wait for one (like grpc's `waitForReady`) when none is ready yet.
 */
export class EndpointSet {
  private members: readonly ClientEndpoint[] = [];
  private readonly waiters = new Set<() => void>();
  private memberSet = new Set<ClientEndpoint>();
  private closed = false;
  private readonly outliers: OutlierDetector | undefined;

  constructor(
    private readonly service: string,
    private readonly balancer: Balancer,
    private readonly settings: ConnectionSettings,
    outlierDetection: OutlierDetectionOptions | false,
  ) {
    this.balancer.update([]);
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
    return new ClientEndpoint(config, this.settings, () => this.refresh());
  }

  /** Makes `endpoints` the members and offers the ready ones to the balancer. */
  replace(endpoints: readonly ClientEndpoint[]): void {
    this.memberSet = new Set(endpoints);
    for (const endpoint of this.members) if (!this.memberSet.has(endpoint)) this.outliers?.forget(endpoint);
    this.members = endpoints;
    this.refresh();
  }

  /** Feeds an attempt's outcome to outlier ejection (not for nodes that left the set and drain). */
  recordOutcome(endpoint: ClientEndpoint, code: number): void {
    if (this.memberSet.has(endpoint)) this.outliers?.record(endpoint, code);
  }

  /** A pick right now, or undefined if the balancer has nothing ready. */
  pick(call: PickContext): ClientEndpoint | undefined {
    return this.balancer.pick(call) as ClientEndpoint | undefined;
  }

  /** Waits for a pick until `deadline` (ms since epoch) or `signal`; then UNAVAILABLE / CANCELLED. */
  async waitForPick(call: PickContext, deadline: number, signal: AbortSignal | undefined): Promise<ClientEndpoint> {
    for (;;) {
      if (this.closed)
        throw new RpcError(Status.CANCELLED, `client of ${this.service} closed`, undefined, { path: call.path });
      const endpoint = this.pick(call);
      if (endpoint !== undefined) return endpoint;
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
    const isReady = () =>
      all ? this.endpoints.length > 0 && this.endpoints.every((e) => e.ready) : this.endpoints.some((e) => e.ready);
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
  stats(service: string, balancer: string, discovery: DiscoveryStats, hedgingBudget: BudgetStats): ClientStats {
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
    };
  }

  close(): void {
    this.closed = true;
    this.outliers?.close();
    for (const endpoint of this.endpoints) endpoint.close();
    for (const wake of [...this.waiters]) wake();
  }

  private refresh(): void {
    this.balancer.update(this.endpoints.filter((endpoint) => endpoint.ready));
    for (const wake of [...this.waiters]) wake();
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
