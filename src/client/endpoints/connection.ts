import * as grpc from '@grpc/grpc-js';
import { describeConnectError } from './connect-error.js';
import type { ConnectionPool, Line } from './connection-pool.js';

type Subchannel = grpc.experimental.SubchannelInterface;

/** How the client connects to every endpoint. */
export interface ConnectionSettings {
  /** Service whose health is watched (`grpc.health.v1`), or undefined not to watch. */
  readonly healthService: string | undefined;
  /** A connection attempt not READY after this long is abandoned and started afresh. */
  readonly connectTimeoutMs: number;
  /** Decay time constant τ of the latency (peak) and service-time (floor) estimates, ms. */
  readonly latencyDecayMs: number;
  /** The client's connections (its credentials and channel options). */
  readonly pool: ConnectionPool;
  /** A connection failed or timed out (the client then asks its resolver for a fresh list). */
  readonly onConnectFailure: () => void;
}

/** What a connection tells its endpoint. */
interface ConnectionEvents {
  /** The connection became READY (`client` makes calls on it). */
  connected(client: grpc.Client): void;
  /** The connection left READY. */
  disconnected(): void;
  /** Any state change, after the two above. */
  changed(): void;
}

const { READY, CONNECTING, TRANSIENT_FAILURE, IDLE } = grpc.connectivityState;

/**
 * One endpoint's connection (its own HTTP/2 connection, a subchannel of the client's
 * {@link ConnectionPool}) and its connectivity: it connects at once and again whenever the
 * connection drops, follows every state change, says in words why a connection failed,
 * and abandons a connection attempt that hangs (e.g. a stopped process) after the connect
 * timeout for a fresh one.
 */
export class Connection {
  state: grpc.connectivityState = IDLE;
  /** Why the last connection attempt failed (e.g. TLS verification), until it connects. */
  lastError: string | undefined = undefined;
  private line: Line;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Follows the current line's subchannel (removed from one before the next is opened). */
  private readonly listener = (
    _s: Subchannel,
    _from: unknown,
    next: grpc.connectivityState,
    _k: number,
    error?: string,
  ) => this.follow(next, error);

  constructor(
    private readonly address: string,
    private readonly settings: ConnectionSettings,
    private readonly events: ConnectionEvents,
  ) {
    this.line = settings.pool.open(address);
  }

  /** The grpc-js client that makes calls on the current connection. */
  get client(): grpc.Client {
    return this.line.client;
  }

  /** Starts following the connection (separate from the constructor, so the owner is complete first). */
  start(): void {
    this.line.subchannel.addConnectivityStateListener(this.listener);
    this.follow(this.line.subchannel.getConnectivityState(), undefined);
  }

  get ready(): boolean {
    return this.state === READY;
  }

  /**
   * Failed, or dialling again after a failure: failing until it connects, as a grpc-js
   * channel stays in TRANSIENT_FAILURE while it retries (gRFC A62), not `connecting` on
   * every retry.
   */
  get failing(): boolean {
    return this.state === TRANSIENT_FAILURE || (this.state !== READY && this.lastError !== undefined);
  }

  get idle(): boolean {
    return this.state === IDLE;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.drop();
  }

  private drop(): void {
    this.line.subchannel.removeConnectivityStateListener(this.listener);
    this.settings.pool.release(this.line);
  }

  private follow(state: grpc.connectivityState, error: string | undefined): void {
    if (this.closed) return;
    // Always connected: a dropped connection (IDLE) is dialled again at once, as grpc-js'
    // pick_first does for a channel with calls to make.
    if (state === IDLE) this.line.subchannel.startConnecting();
    const wasReady = this.state === READY;
    if (state === TRANSIENT_FAILURE && this.state !== TRANSIENT_FAILURE) {
      if (error !== undefined) this.lastError = describeConnectError(error);
      this.settings.onConnectFailure();
    }
    if (state === READY) this.lastError = undefined;
    this.state = state;
    this.armTimeout(state);
    if (state === READY && !wasReady) this.events.connected(this.client);
    else if (state !== READY && wasReady) this.events.disconnected();
    this.events.changed();
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
      this.drop();
      this.line = this.settings.pool.open(this.address);
      this.lastError = `no connection within ${this.settings.connectTimeoutMs} ms (connectTimeoutMs)`;
      this.state = TRANSIENT_FAILURE;
      this.settings.onConnectFailure();
      this.events.changed();
      this.start();
    }, this.settings.connectTimeoutMs);
    this.timer.unref();
  }
}
