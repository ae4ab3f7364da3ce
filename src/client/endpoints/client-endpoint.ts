import type * as grpc from '@grpc/grpc-js';
import type { Endpoint, LoadReport } from '../../balancer/balancer.js';
import type { ResolvedEndpoint } from '../../discovery/resolver.js';
import type { NodeInfo } from '../../gen/switchboard/v1/node.js';
import { cost } from '../../load/cost.js';
import type { AttemptEnd } from '../../observability/telemetry.js';
import type { MethodDescriptor } from '../../schema/descriptor.js';
import type { EndpointState, EndpointStats } from '../api/client-stats.js';
import { Attempt } from './attempt.js';
import type { ConcurrencyLimit } from './concurrency-limit.js';
import { Connection, type ConnectionSettings } from './connection.js';
import { EndpointLoad } from './endpoint-load.js';
import { HealthWatch } from './health-watch.js';
import { askIdentity, identityChanged, identityOf, type NodeIdentity } from './node-identity.js';

/**
 * One node as the client holds it: its connection, its identity and health (from
 * `grpc.health.v1.Health/Watch`, whose headers say who a Switchboard node is; from
 * `switchboard.v1.Node/Info` where they cannot or health is not watched) and what the
 * client measured of it (`EndpointLoad`). It is offered to the balancer only while
 * `ready`: connected, identified, serving and not ejected, and (with a concurrency limit)
 * picked only while it {@link ClientEndpoint.hasRoom}.
 * Attempts on it start with {@link ClientEndpoint.begin}.
 */
export class ClientEndpoint implements Endpoint {
  readonly address: string;
  id: string;
  weight: number;
  zone: string;
  labels: Readonly<Record<string, string>>;
  /** Taken out of rotation by outlier ejection. */
  ejected = false;
  /** Connected, identified, serving and not ejected: may be picked. */
  ready = false;
  readonly measured: EndpointLoad;
  /** Slots of the concurrency limit granted to queued calls in this macrotask whose attempt has not begun. */
  reserved = 0;
  private readonly connection: Connection;
  private identified = false;
  /** undefined until the first health status of this connection. */
  private serving: boolean | undefined;
  private readonly health: HealthWatch | undefined;
  private closed = false;
  private announced: NodeInfo | undefined;

  constructor(
    private config: ResolvedEndpoint,
    settings: ConnectionSettings,
    /** `ready` changed, or the identity changed while ready; told whether it is ready now. */
    private readonly onChange: (ready: boolean) => void,
    limit: ConcurrencyLimit | undefined,
  ) {
    this.address = config.address;
    ({ id: this.id, weight: this.weight, zone: this.zone, labels: this.labels } = identityOf(config, undefined));
    this.measured = new EndpointLoad(settings.latencyDecayMs, limit);
    this.connection = new Connection(config.address, settings, {
      connected: (client) => {
        this.identified = false;
        this.serving = this.health === undefined ? true : undefined;
        // A Switchboard node says who it is on its health watch; without one, ask.
        if (this.health === undefined) this.identify(client);
        else this.health.start();
      },
      disconnected: () => {
        this.health?.stop();
        this.identified = false;
      },
      changed: () => this.update(false),
    });
    this.health =
      settings.healthService === undefined
        ? undefined
        : new HealthWatch(() => this.connection.client, settings.healthService, {
            status: (serving) => {
              this.serving = serving;
              this.update(false);
            },
            identity: (heard) => {
              if (heard === 'ask') {
                if (!this.identified) this.identify(this.connection.client);
              } else this.learn(heard === 'none' ? undefined : heard);
            },
          });
    this.connection.start();
  }

  /** The grpc-js client of the endpoint's current channel. */
  get grpcClient(): grpc.Client {
    return this.connection.client;
  }

  /**
   * Attempts in flight here, and those a hedge gave up on that the node has not answered
   * since (see `CallEstimates.queued`).
   */
  get inFlight(): number {
    return this.measured.queued;
  }

  /** The node's last load report (kept up to date in place). */
  get load(): LoadReport | undefined {
    return this.measured.report;
  }

  /** This client's limit of calls in flight here now, undefined without `concurrencyLimit`. */
  get concurrencyLimit(): number | undefined {
    return this.measured.limit?.limit;
  }

  /** Whether one more attempt may begin here under the concurrency limit (always, without one). */
  hasRoom(): boolean {
    const limit = this.measured.limit;
    return limit === undefined || this.measured.inFlight + this.reserved < limit.limit;
  }

  get ewmaLatencyMs(): number {
    return this.measured.latencyEwma.value;
  }

  get serviceTimeMs(): number {
    return this.measured.serviceTime.value;
  }

  /** Why the last connection attempt failed, until it connects. */
  get lastError(): string | undefined {
    return this.connection.lastError;
  }

  /** Connection state, as shown in stats. */
  get connectionState(): EndpointState {
    if (this.closed) return 'closed';
    if (this.ready) return 'ready';
    if (this.ejected) return 'ejected';
    if (this.serving === false) return 'not-serving';
    if (this.connection.failing) return 'failing';
    if (this.connection.idle) return 'idle';
    return 'connecting';
  }

  /** An attempt of `method` starts on this endpoint at `now`; its `end()` records it here and in `sink`. */
  begin(method: MethodDescriptor, sink: AttemptEnd<ClientEndpoint>, now = performance.now()): Attempt<ClientEndpoint> {
    const depth = this.measured.start(now);
    // A slot granted to a queued call is taken by the next attempt to begin here (`EndpointSet` ends the rest).
    if (this.reserved > 0) this.reserved--;
    return new Attempt(this, method, this.measured, sink, now, depth, this.measured.inFlight);
  }

  /** Counters against the client's totals: all attempts, attempts in the window, ready weight. */
  stats(totalCalls: number, recentTotal: number, readyWeight: number, now: number): EndpointStats {
    const m = this.measured;
    const recentCalls = m.recent.total(now);
    return {
      id: this.id,
      address: this.address,
      zone: this.zone,
      weight: this.weight,
      state: this.connectionState,
      calls: m.calls,
      hedges: m.hedges,
      hedgesWon: m.hedgesWon,
      failures: m.failures,
      failuresByCode: m.codes.failures(),
      inFlight: m.inFlight,
      concurrencyLimit: this.concurrencyLimit,
      share: totalCalls === 0 ? 0 : m.calls / totalCalls,
      recentCalls,
      recentShare: recentTotal === 0 ? 0 : recentCalls / recentTotal,
      latencyMs: m.latency.summary(),
      recentP99Ms: m.recentLatency.quantile(0.99, now),
      ewmaLatencyMs: this.ewmaLatencyMs,
      serviceTimeMs: this.serviceTimeMs,
      leastLoadCost: cost(this),
      weightShare: this.ready && readyWeight > 0 ? this.weight / readyWeight : 0,
      load: this.load === undefined ? undefined : { ...this.load },
    };
  }

  /** Takes a new config for the same address (a resolver update); true if an attribute changed. */
  reconfigure(config: ResolvedEndpoint): boolean {
    this.config = config;
    return this.adopt(this.announced);
  }

  /** Ejection changed (outlier detector). */
  ejectionChanged(): void {
    this.update(false);
  }

  close(): void {
    this.closed = true;
    this.health?.stop();
    this.update(false);
    this.connection.close();
  }

  /** Asks the node who it is; a server that cannot say keeps the configured identity. */
  private identify(client: grpc.Client): void {
    askIdentity(client.getChannel(), (info) => {
      if (this.closed || client !== this.connection.client || !this.connection.ready) return;
      this.learn(info);
    });
  }

  /** The node said who it is (undefined: it cannot say, and keeps the configured identity). */
  private learn(info: NodeInfo | undefined): void {
    const changed = info !== undefined && this.adopt(info);
    this.identified = true;
    this.update(changed);
  }

  /** Takes the node's announced identity where the config does not override it; true if it changed. */
  private adopt(info: NodeInfo | undefined): boolean {
    this.announced = info;
    const next: NodeIdentity = identityOf(this.config, info);
    const changed = identityChanged(this, next);
    ({ id: this.id, weight: this.weight, zone: this.zone, labels: this.labels } = next);
    return changed;
  }

  /** Recomputes `ready`; tells the set when it or (while ready) the identity changed. */
  private update(identityChanged: boolean): void {
    const ready = !this.closed && this.connection.ready && this.identified && this.serving === true && !this.ejected;
    if (ready === this.ready && !(ready && identityChanged)) return;
    this.ready = ready;
    this.onChange(ready);
  }
}
