import * as grpc from '@grpc/grpc-js';
import { channelTarget } from '../../common/address.js';
import { probeConnectError } from './connect-error.js';

/** How the client connects to every endpoint. */
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

/** What a connection tells its endpoint. */
interface ConnectionEvents {
  /** The channel became READY (`client` is the channel's grpc-js client). */
  connected(client: grpc.Client): void;
  /** The channel left READY. */
  disconnected(): void;
  /** Any state change, after the two above. */
  changed(): void;
}

/** The probe that reads why a connection failed is never sent (it fails fast in TRANSIENT_FAILURE): any path does. */
const PROBE_PATH = '/switchboard.v1.Node/Info';
const { READY, CONNECTING, TRANSIENT_FAILURE, IDLE } = grpc.connectivityState;

/**
 * One endpoint's grpc-js channel (its own HTTP/2 connection) and its connectivity: it
 * connects at once, follows every state change, says in words why a connection failed,
 * and abandons a connection attempt that hangs (e.g. a stopped process) after the connect
 * timeout for a fresh channel.
 */
export class Connection {
  client: grpc.Client;
  state: grpc.connectivityState = IDLE;
  /** Why the last connection attempt failed (e.g. TLS verification), until it connects. */
  lastError: string | undefined = undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly address: string,
    private readonly settings: ConnectionSettings,
    private readonly events: ConnectionEvents,
  ) {
    this.client = this.open();
  }

  /** Starts following the channel (separate from the constructor, so the owner is complete first). */
  start(): void {
    this.watch(this.client);
  }

  get ready(): boolean {
    return this.state === READY;
  }

  get failing(): boolean {
    return this.state === TRANSIENT_FAILURE;
  }

  get idle(): boolean {
    return this.state === IDLE;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.client.close();
  }

  private open(): grpc.Client {
    return new grpc.Client(channelTarget(this.address), this.settings.credentials, {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 5000,
      ...this.settings.grpcOptions,
    });
  }

  private watch(client: grpc.Client): void {
    if (this.closed || client !== this.client) return;
    const channel = client.getChannel();
    const state = channel.getConnectivityState(true);
    const wasReady = this.state === READY;
    if (state === TRANSIENT_FAILURE && this.state !== TRANSIENT_FAILURE) {
      probeConnectError(client, PROBE_PATH, (reason) => {
        if (client === this.client && this.state !== READY) this.lastError = reason;
      });
      this.settings.onConnectFailure();
    }
    if (state === READY) this.lastError = undefined;
    this.state = state;
    this.armTimeout(state);
    if (state === READY && !wasReady) this.events.connected(client);
    else if (state !== READY && wasReady) this.events.disconnected();
    this.events.changed();
    channel.watchConnectivityState(state, Number.POSITIVE_INFINITY, () => this.watch(client));
  }

  private armTimeout(state: grpc.connectivityState): void {
    if (state !== CONNECTING) {
      clearTimeout(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closed || this.state !== CONNECTING) return;
      const stale = this.client;
      this.client = this.open();
      stale.close();
      this.state = TRANSIENT_FAILURE;
      this.settings.onConnectFailure();
      this.events.changed();
      this.watch(this.client);
    }, this.settings.connectTimeoutMs);
    this.timer.unref();
  }
}
