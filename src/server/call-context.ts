import { Metadata, type ServerUnaryCall } from '@grpc/grpc-js';
import { toMetadata } from '../common/metadata.js';
import { RpcError } from '../common/rpc-error.js';
import { Status } from '../common/status.js';
import type { CallContext } from './handler-types.js';
import type { AppLoad } from './load-reporter.js';

/** A handler's context plus what the adapter needs to finish the call. */
export interface LiveContext extends CallContext {
  /** Aborts `signal`, e.g. when the node force-closes. */
  abort(reason: RpcError): void;
  /** Calls in flight on the node when this one arrived, itself included (set by the server). */
  joined: number;
  /** Whether `signal` has aborted, without making the signal (most calls never need it). */
  readonly cancelled: boolean;
}

/** The part of any grpc-js server call (unary or stream) a context is made from. */
export interface IncomingCall
  extends Pick<
    ServerUnaryCall<unknown, unknown>,
    'metadata' | 'cancelled' | 'getPeer' | 'getDeadline' | 'sendMetadata'
  > {
  once(event: 'cancelled', listener: () => void): unknown;
}

/** Builds the context of one incoming call; `signal` aborts when the caller cancels. */
export function createCallContext(call: IncomingCall, path: string, reportLoad: (load: AppLoad) => void): LiveContext {
  return new ServerCallContext(call, path, reportLoad);
}

const cancelled = () => new RpcError(Status.CANCELLED, 'call cancelled by the caller or its deadline passed');

/**
 * What most handlers never read (the signal, the deadline) is made on first read, and
 * `sendHeader` lives on the prototype (call it on the context): a node holds the context
 * of every call it runs, and less per call is less for the garbage collector to walk while
 * calls queue (with a closure-built context a Switchboard node allocated 2 KB more per
 * call). `reportLoad` is the server's own function, shared by every call, so it can be
 * passed around detached.
 */
class ServerCallContext implements LiveContext {
  readonly trailer = new Metadata();
  /** Read at the start: grpc-js no longer knows it once the stream has closed. */
  readonly peer: string;
  joined = 1;
  #controller: AbortController | undefined;
  #deadline: Date | null | undefined = null;
  /** Why the call was aborted before anyone asked for its signal. */
  #abortedFor: RpcError | undefined;
  #headerSent = false;

  constructor(
    private readonly call: IncomingCall,
    readonly path: string,
    readonly reportLoad: (load: AppLoad) => void,
  ) {
    this.peer = call.getPeer();
  }

  get metadata(): Metadata {
    return this.call.metadata;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = new AbortController();
      this.#controller = controller;
      const reason = this.#abortedFor ?? (this.call.cancelled ? cancelled() : undefined);
      if (reason !== undefined) controller.abort(reason);
      else this.call.once('cancelled', () => this.abort(cancelled()));
    }
    return this.#controller.signal;
  }

  get cancelled(): boolean {
    return this.#controller?.signal.aborted ?? (this.#abortedFor !== undefined || this.call.cancelled);
  }

  get deadline(): Date | undefined {
    if (this.#deadline === null) {
      const deadline = this.call.getDeadline();
      this.#deadline = deadline instanceof Date ? deadline : Number.isFinite(deadline) ? new Date(deadline) : undefined;
    }
    return this.#deadline;
  }

  sendHeader(metadata: Parameters<CallContext['sendHeader']>[0]): void {
    // grpc-js drops a second sendMetadata without a word: the caller would never see it.
    if (this.#headerSent) {
      throw new RpcError(
        Status.INTERNAL,
        `sendHeader in ${this.path}: the response headers were already sent (sendHeader is once per call)`,
      );
    }
    this.#headerSent = true;
    this.call.sendMetadata(toMetadata(metadata));
  }

  abort(reason: RpcError): void {
    if (this.#controller === undefined) this.#abortedFor ??= reason;
    else if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }
}
