import * as grpc from '@grpc/grpc-js';
import type { Endpoint, LoadReport } from '../../balancer/balancer.js';
import { freshLoad, queueDepth } from '../../load/load-signals.js';
import { Status } from '../../common/status.js';
import { cost as leastLoadCost } from '../../load/cost.js';
import { Node, type NodeInfo } from '../../gen/switchboard/v1/node.js';
import { CodeCounts } from '../../observability/code-counts.js';
import { LatencyHistogram } from '../../observability/latency-histogram.js';
import { WindowCounter } from '../../observability/window-counter.js';
import { methodCodec } from '../../schema/codec.js';
import type { EndpointState, EndpointStats } from '../api/client-stats.js';
import { probeConnectError } from './connect-error.js';
import { HealthWatch } from './health-watch.js';
import { LoadReader } from '../../load/load-reader.js';
import { type DecayingEwma, floorEwma, peakEwma } from '../../load/decaying-ewma.js';

/** An endpoint as configured: an address, optionally with attributes that override the node's. */
export interface EndpointConfig {
  /** `host:port`, e.g. `127.0.0.1:50051` or `[::1]:50051`. */
  readonly address: string;
  /** Overrides the weight the node announces. */
  readonly weight?: number;
  /** Overrides the id the node announces. */
  readonly id?: string;
  readonly zone?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** How the client connects to and watches every endpoint. */
export interface ConnectionSettings {
  /** Service whose health is watched (`grpc.health.v1`), or undefined not to watch. */
  readonly healthService: string | undefined;
  /** A connection attempt not READY after this long is abandoned and started afresh. */
  readonly connectTimeoutMs: number;
  /** Decay time constant τ of the latency (peak) and service-time (floor) estimates, ms. */
  readonly latencyDecayMs: number;
  readonly grpcOptions: grpc.ChannelOptions;
  /** Plaintext or TLS. */
  readonly credentials: grpc.ChannelCredentials;
  /** A connection failed or timed out (the client then asks its resolver for a fresh list). */
  readonly onConnectFailure: () => void;
}

const INFO_TIMEOUT_MS = 2000;
const infoMethod = Node.methods.info;
const infoCodec = methodCodec(Node, infoMethod);
const { READY, CONNECTING, TRANSIENT_FAILURE, IDLE } = grpc.connectivityState;

/**
 * One node as the client holds it: its own grpc-js channel (its own HTTP/2 connection),
 * its identity (learnt from `switchboard.v1.Node/Info` once connected), its health (from
 * `grpc.health.v1.Health/Watch`), and live load (in-flight calls, peak-EWMA latency, service time,
 * latency histogram). It is offered to the balancer only while `ready`: connected,
 * identified, serving and not ejected.
 */
export class ClientEndpoint implements Endpoint {
  readonly address: string;
  grpcClient: grpc.Client;
  id: string;
  weight: number;
  zone: string;
  labels: Readonly<Record<string, string>>;
  inFlight = 0;
  /** Taken out of rotation by outlier ejection. */
  ejected = false;
  /** Connected, identified, serving and not ejected: may be picked. */
  ready = false;
  calls = 0;
  failures = 0;
  /** Why the last connection attempt failed (e.g. TLS verification), until it connects. */
  lastError: string | undefined = undefined;
  private readonly ewma: DecayingEwma;
  /** Floor-tracking EWMA of latency ÷ the queue the call joined: ms per queued call. */
  private readonly perCall: DecayingEwma;
  private readonly latency = new LatencyHistogram();
  private readonly loadReader = new LoadReader();
  private readonly codes = new CodeCounts();
  /** Attempts completed within the last 10 s. */
  readonly recent = new WindowCounter();
  private connectivity: grpc.connectivityState = IDLE;
  private identified = false;
  /** undefined until the first health status of this connection. */
  private serving: boolean | undefined;
  private readonly health: HealthWatch | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private announced: NodeInfo | undefined;

  constructor(
    private config: EndpointConfig,
    private readonly settings: ConnectionSettings,
    private readonly onChange: () => void,
  ) {
    this.address = config.address;
    this.id = config.id ?? config.address;
    this.weight = config.weight ?? 1;
    this.zone = config.zone ?? '';
    this.labels = config.labels ?? {};
    this.ewma = peakEwma(settings.latencyDecayMs);
    this.perCall = floorEwma(settings.latencyDecayMs);
    this.grpcClient = this.connect();
    this.health =
      settings.healthService === undefined
        ? undefined
        : new HealthWatch(() => this.grpcClient, settings.healthService, (serving) => {
            this.serving = serving;
            this.update(false);
          });
    this.watch(this.grpcClient);
  }

  /** The node's last load report (kept up to date in place). */
  get load(): LoadReport | undefined {
    return this.loadReader.report;
  }

  get ewmaLatencyMs(): number {
    return this.ewma.value;
  }

  get serviceTimeMs(): number {
    return this.perCall.value;
  }

  /** Connection state, as shown in stats. */
  get connectionState(): EndpointState {
    if (this.closed) return 'closed';
    if (this.ready) return 'ready';
    if (this.ejected) return 'ejected';
    if (this.serving === false) return 'not-serving';
    if (this.connectivity === TRANSIENT_FAILURE) return 'failing';
    if (this.connectivity === IDLE) return 'idle';
    return 'connecting';
  }

  /** An attempt starts on this endpoint at `now`; returns the calls queued there with it (itself included). */
  begin(now: number): number {
    const depth = queueDepth(this, freshLoad(this, now)) + 1;
    this.inFlight++;
    return depth;
  }

  /**
   * An attempt on this endpoint that joined a queue of `depth` (itself included) ended
   * with `code` after `latencyMs`, at `now` (`performance.now()`).
   */
  end(code: number, latencyMs: number, now: number, depth: number): void {
    this.inFlight--;
    this.calls++;
    if (code !== Status.OK) {
      this.failures++;
      this.codes.add(code);
    }
    this.latency.record(latencyMs);
    this.recent.add(now);
    if (code === Status.OK || code === Status.CANCELLED) {
      this.ewma.observe(latencyMs, now);
      this.perCall.observe(latencyMs / depth, now);
    } else {
      // A failure that came back fast must not make the node look cheap: it only ever
      // raises the estimates (a failing node sheds load, DESIGN §4).
      this.ewma.observe(Math.max(latencyMs, this.ewma.value), now);
      this.perCall.observe(Math.max(latencyMs / depth, this.perCall.value), now);
    }
  }

  /** Counters against the client's totals: all attempts, attempts in the window, ready weight. */
  stats(totalCalls: number, recentTotal: number, readyWeight: number, now: number): EndpointStats {
    const recentCalls = this.recent.total(now);
    return {
      id: this.id,
      address: this.address,
      zone: this.zone,
      weight: this.weight,
      state: this.connectionState,
      calls: this.calls,
      failures: this.failures,
      failuresByCode: this.codes.failures(),
      inFlight: this.inFlight,
      share: totalCalls === 0 ? 0 : this.calls / totalCalls,
      recentCalls,
      recentShare: recentTotal === 0 ? 0 : recentCalls / recentTotal,
      latencyMs: this.latency.summary(),
      ewmaLatencyMs: this.ewma.value,
      serviceTimeMs: this.perCall.value,
      leastLoadCost: leastLoadCost(this),
      weightShare: this.ready && readyWeight > 0 ? this.weight / readyWeight : 0,
      load: this.load === undefined ? undefined : { ...this.load },
    };
  }

  /** Takes a new config for the same address (a resolver update); true if an attribute changed. */
  reconfigure(config: EndpointConfig): boolean {
    this.config = config;
    return this.adopt(this.announced);
  }

  /**
   * Takes the node's load report from the trailers of a response (ORCA
   * `endpoint-load-metrics-bin`), received at `now` (`performance.now()`), read before its
   * attempt ends here; returns the queue the call joined on the node, when the node says.
   */
  readLoad(trailers: grpc.Metadata, now: number): number | undefined {
    return this.loadReader.read(trailers, Math.max(0, this.inFlight - 1), now);
  }

  /** Ejection changed (outlier detector). */
  ejectionChanged(): void {
    this.update(false);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.connectTimer);
    this.health?.stop();
    this.update(false);
    this.grpcClient.close();
  }

  private connect(): grpc.Client {
    return new grpc.Client(this.address, this.settings.credentials, {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 5000,
      ...this.settings.grpcOptions,
    });
  }

  private watch(client: grpc.Client): void {
    if (this.closed || client !== this.grpcClient) return;
    const channel = client.getChannel();
    const state = channel.getConnectivityState(true);
    const wasReady = this.connectivity === READY;
    if (state === TRANSIENT_FAILURE && this.connectivity !== TRANSIENT_FAILURE) {
      probeConnectError(client, infoMethod.path, (reason) => {
        if (client === this.grpcClient && this.connectivity !== READY) this.lastError = reason;
      });
      this.settings.onConnectFailure();
    }
    if (state === READY) this.lastError = undefined;
    this.connectivity = state;
    this.armConnectTimeout(state);
    if (state === READY && !wasReady) {
      this.identified = false;
      this.serving = this.health === undefined ? true : undefined;
      this.identify(client);
      this.health?.start();
    } else if (state !== READY && wasReady) {
      this.health?.stop();
      this.identified = false;
    }
    this.update(false);
    channel.watchConnectivityState(state, Number.POSITIVE_INFINITY, () => this.watch(client));
  }

  /** A connection attempt that hangs (e.g. a stopped process) is abandoned and started afresh. */
  private armConnectTimeout(state: grpc.connectivityState): void {
    if (state !== CONNECTING) {
      clearTimeout(this.connectTimer);
      this.connectTimer = undefined;
      return;
    }
    if (this.connectTimer !== undefined) return;
    this.connectTimer = setTimeout(() => {
      this.connectTimer = undefined;
      if (this.closed || this.connectivity !== CONNECTING) return;
      const stale = this.grpcClient;
      this.grpcClient = this.connect();
      stale.close();
      this.connectivity = TRANSIENT_FAILURE;
      this.settings.onConnectFailure();
      this.update(false);
      this.watch(this.grpcClient);
    }, this.settings.connectTimeoutMs);
    this.connectTimer.unref();
  }

  /** Asks the node who it is; a server that is not a Switchboard node keeps the configured identity. */
  private identify(client: grpc.Client): void {
    client.makeUnaryRequest(
      infoMethod.path,
      infoCodec.serializeRequest,
      infoCodec.deserializeResponse,
      {},
      new grpc.Metadata(),
      { deadline: Date.now() + INFO_TIMEOUT_MS },
      (error, info) => {
        if (this.closed || client !== this.grpcClient || this.connectivity !== READY) return;
        // Any answer but UNIMPLEMENTED from a connected node that cannot say who it is
        // leaves the configured identity; the node is still usable.
        const changed = !error && this.adopt(info as NodeInfo);
        this.identified = true;
        this.update(changed);
      },
    );
  }

  /** Takes the node's announced identity where the config does not override it; true if it changed. */
  private adopt(info: NodeInfo | undefined): boolean {
    this.announced = info;
    const before = `${this.id}|${this.weight}|${this.zone}|${JSON.stringify(this.labels)}`;
    this.id = this.config.id ?? (info?.nodeId || this.address);
    this.weight = this.config.weight ?? (info !== undefined && info.weight > 0 ? info.weight : 1);
    this.zone = this.config.zone ?? info?.zone ?? '';
    this.labels = this.config.labels ?? info?.labels ?? {};
    return before !== `${this.id}|${this.weight}|${this.zone}|${JSON.stringify(this.labels)}`;
  }

  /** Recomputes `ready`; tells the set when it or (while ready) the identity changed. */
  private update(identityChanged: boolean): void {
    const ready =
      !this.closed && this.connectivity === READY && this.identified && this.serving === true && !this.ejected;
    if (ready === this.ready && !(ready && identityChanged)) return;
    this.ready = ready;
    this.onChange();
  }
}
