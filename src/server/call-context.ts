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
}

/** The part of any grpc-js server call (unary or stream) a context is made from. */
export interface IncomingCall extends Pick<ServerUnaryCall<unknown, unknown>, 'metadata' | 'getPeer' | 'getDeadline' | 'sendMetadata'> {
  once(event: 'cancelled', listener: () => void): unknown;
}

/**
 * Builds the context of one incoming call; `signal` aborts when the caller cancels. What
 * most handlers never read (the signal, the peer, the deadline) is made on first read:
 * a node keeps every running call's context, and less per call is less for the garbage
 * collector to walk while calls queue.
 */
export function createCallContext(call: IncomingCall, path: string, reportLoad: (load: AppLoad) => void): LiveContext {
  let controller: AbortController | undefined;
  /** Why the call was aborted before anyone asked for its signal. */
  let abortedFor: RpcError | undefined;
  const abort = (reason: RpcError) => {
    if (controller === undefined) abortedFor ??= reason;
    else if (!controller.signal.aborted) controller.abort(reason);
  };
  call.once('cancelled', () =>
    abort(new RpcError(Status.CANCELLED, 'call cancelled by the caller or its deadline passed')),
  );
  return {
    path,
    metadata: call.metadata,
    get signal() {
      if (controller === undefined) {
        controller = new AbortController();
        if (abortedFor !== undefined) controller.abort(abortedFor);
      }
      return controller.signal;
    },
    get deadline() {
      const deadline = call.getDeadline();
      return deadline instanceof Date ? deadline : Number.isFinite(deadline) ? new Date(deadline) : undefined;
    },
    get peer() {
      return call.getPeer();
    },
    trailer: new Metadata(),
    sendHeader: (metadata) => call.sendMetadata(toMetadata(metadata)),
    reportLoad,
    abort,
    joined: 1,
  };
}
