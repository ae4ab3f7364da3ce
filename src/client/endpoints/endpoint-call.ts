import * as grpc from '@grpc/grpc-js';
import type { StatusObject } from '@grpc/grpc-js/build/src/call-interface.js';
import type { SubchannelCall } from '@grpc/grpc-js/build/src/subchannel-call.js';

type Call = grpc.experimental.CallStream;
type Listener = Parameters<Call['start']>[1];
type FilterStack = ReturnType<grpc.experimental.FilterStackFactory['createFilter']>;
type MessageContext = Parameters<Call['sendMessageWithContext']>[0];
type Subchannel = grpc.experimental.SubchannelInterface;

/** setTimeout's longest delay (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** grpc-timeout units, smallest first: at most 8 digits (gRPC over HTTP/2). */
const TIMEOUT_UNITS: readonly [string, number][] = [
  ['m', 1],
  ['S', 1000],
  ['M', 60_000],
  ['H', 3_600_000],
];

/**
 * One call on one subchannel: what grpc-js' channel does for a call once its load balancer
 * has picked, done here because the pick is Switchboard's. The filters (grpc-js' own:
 * framing, compression, message size limits) run on metadata and every message in order;
 * the deadline is sent as `grpc-timeout` and ends the call when it passes. A cancel before
 * the stream is open ends the call at once and opens none; a filter that refuses a message
 * (too large, undecodable) ends the call with its status. The status reaches the listener
 * once, after the last message. There are no call credentials to apply: a client's channel
 * credentials are made from its `tls` option alone (auth goes in metadata or interceptors).
 */
export class EndpointCall implements Call {
  private child: SubchannelCall | undefined;
  private listener: Listener | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** How the call ended, once it has (delivered at once, or after a message still being read). */
  private ended: StatusObject | undefined;
  private delivered = false;
  private readPending = false;
  private readFilterPending = false;
  /** Writes and the half-close, in order, each once the stream is open and its message filtered. */
  private writes: Promise<void>;
  private opened!: () => void;

  constructor(
    private readonly subchannel: Subchannel,
    private readonly method: string,
    private readonly host: string,
    private readonly deadline: number,
    private readonly filters: FilterStack,
    private readonly callNumber: number,
  ) {
    this.writes = new Promise((resolve) => {
      this.opened = resolve;
    });
  }

  start(metadata: grpc.Metadata, listener: Listener): void {
    this.listener = listener;
    if (this.ended !== undefined) {
      this.deliver();
      return;
    }
    if (Number.isFinite(this.deadline)) {
      const left = this.deadline - Date.now();
      if (left <= 0) {
        // Ended after start() returns, as grpc-js does: the caller may still be adding its listeners.
        process.nextTick(() => this.cancelWithStatus(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded'));
        return;
      }
      metadata.set('grpc-timeout', timeoutHeader(left));
      // Past setTimeout's reach (~24.8 days) no timer is set, as in grpc-js: the node keeps the deadline.
      if (left <= MAX_TIMER_MS) {
        this.timer = setTimeout(() => this.cancelWithStatus(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded'), left);
        this.timer.unref();
      }
    }
    this.open(metadata)
      .catch((error: unknown) => this.fail(error, 'cannot send the metadata'))
      .finally(this.opened);
  }

  private async open(metadata: grpc.Metadata): Promise<void> {
    const headers = await this.filters.sendMetadata(Promise.resolve(metadata));
    const real = this.subchannel.getRealSubchannel();
    if (this.ended !== undefined) return;
    // Both texts are grpc-js' for a call that never left the client (retried whatever the method does).
    if (this.subchannel.getConnectivityState() !== grpc.connectivityState.READY) {
      this.end(unavailable('No connection established: the connection closed before the call started'));
      return;
    }
    try {
      this.child = this.stream(real, headers);
    } catch (error) {
      this.end(unavailable(`Failed to start HTTP/2 stream with error ${String(error)}`));
      return;
    }
    if (this.readPending) this.child.startRead();
  }

  private stream(real: ReturnType<Subchannel['getRealSubchannel']>, headers: grpc.Metadata): SubchannelCall {
    return real.createCall(headers, this.host, this.method, {
      onReceiveMetadata: (received) => {
        if (!this.delivered) this.listener!.onReceiveMetadata(this.filters.receiveMetadata(received));
      },
      onReceiveMessage: (message) => {
        this.readFilterPending = true;
        this.filters.receiveMessage(Promise.resolve(message)).then(
          (decoded) => {
            this.readFilterPending = false;
            if (!this.delivered) this.listener!.onReceiveMessage(decoded);
            this.deliver();
          },
          (error: unknown) => {
            this.readFilterPending = false;
            // The stream may have ended meanwhile (the status waits for this message): the refusal replaces it.
            if (this.ended !== undefined && !this.delivered) this.ended = failure(error, 'cannot read the message');
            this.fail(error, 'cannot read the message');
            this.deliver();
          },
        );
      },
      onReceiveStatus: (status) => this.end(this.filters.receiveTrailers(status)),
    });
  }

  sendMessageWithContext(context: MessageContext, message: Buffer): void {
    const filtered = this.filters.sendMessage(Promise.resolve({ message, flags: context.flags }));
    // Handled in the chain below; this only keeps a refusal from counting as unhandled before its turn.
    filtered.catch(() => {});
    this.writes = this.writes.then(async () => {
      try {
        const { message: framed } = await filtered;
        this.child?.sendMessageWithContext(context, framed);
      } catch (error) {
        this.fail(error, 'cannot send the message');
      }
    });
  }

  startRead(): void {
    if (this.child !== undefined) this.child.startRead();
    else this.readPending = true;
  }

  halfClose(): void {
    this.writes = this.writes.then(() => this.child?.halfClose());
  }

  cancelWithStatus(code: grpc.status, details: string): void {
    if (this.child !== undefined) this.child.cancelWithStatus(code, details);
    else this.end({ code, details, metadata: new grpc.Metadata() });
  }

  getPeer(): string {
    return this.child?.getPeer() ?? this.subchannel.getAddress();
  }

  getCallNumber(): number {
    return this.callNumber;
  }

  setCredentials(): void {
    throw new Error('per-call credentials are not supported on a Switchboard endpoint (use call metadata)');
  }

  getAuthContext() {
    return this.child?.getAuthContext() ?? null;
  }

  /** Ends the call with a thrown filter status (`{ code, details }`) or error. */
  private fail(error: unknown, what: string): void {
    const { code, details } = failure(error, what);
    this.cancelWithStatus(code, details);
  }

  private end(status: StatusObject): void {
    if (this.ended !== undefined) return;
    this.ended = status;
    clearTimeout(this.timer);
    if (!this.readFilterPending) this.deliver();
  }

  private deliver(): void {
    if (this.delivered || this.listener === undefined || this.ended === undefined) return;
    this.delivered = true;
    this.listener.onReceiveStatus(this.ended);
  }
}

/** The status of a thrown filter status (`{ code, details }`) or error. */
function failure(error: unknown, what: string): StatusObject {
  const status = error as Partial<StatusObject>;
  return {
    code: typeof status.code === 'number' ? status.code : grpc.status.INTERNAL,
    details: typeof status.details === 'string' ? status.details : `${what}: ${String(error)}`,
    metadata: new grpc.Metadata(),
  };
}

function unavailable(details: string): StatusObject {
  return { code: grpc.status.UNAVAILABLE, details, metadata: new grpc.Metadata() };
}

/** A relative timeout as `grpc-timeout` says it: the smallest unit whose count fits in 8 digits. */
function timeoutHeader(ms: number): string {
  for (const [unit, factor] of TIMEOUT_UNITS) {
    const amount = Math.ceil(ms / factor);
    if (amount < 1e8) return `${amount}${unit}`;
  }
  return '99999999H';
}
