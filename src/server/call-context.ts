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
}

/** The part of any grpc-js server call (unary or stream) a context is made from. */
export interface IncomingCall extends Pick<ServerUnaryCall<unknown, unknown>, 'metadata' | 'getPeer' | 'getDeadline' | 'sendMetadata'> {
  once(event: 'cancelled', listener: () => void): unknown;
}

/** Builds the context of one incoming call; `signal` aborts when the caller cancels. */
export function createCallContext(call: IncomingCall, path: string, reportLoad: (load: AppLoad) => void): LiveContext {
  const controller = new AbortController();
  const abort = (reason: RpcError) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  call.once('cancelled', () =>
    abort(new RpcError(Status.CANCELLED, 'call cancelled by the caller or its deadline passed')),
  );
  const deadline = call.getDeadline();
  const deadlineDate =
    deadline instanceof Date ? deadline : Number.isFinite(deadline) ? new Date(deadline) : undefined;
  return {
    path,
    metadata: call.metadata,
    signal: controller.signal,
    deadline: deadlineDate,
    peer: call.getPeer(),
    trailer: new Metadata(),
    sendHeader: (metadata) => call.sendMetadata(toMetadata(metadata)),
    reportLoad,
    abort,
  };
}
