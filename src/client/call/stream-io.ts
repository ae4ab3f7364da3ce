import type * as grpc from '@grpc/grpc-js';
import { writeStream } from '../../common/write-stream.js';
import type { StreamInput } from '../../schema/types.js';
import type { CallOptions } from '../api/call-options.js';
import type { Attempt } from '../endpoints/attempt.js';
import type { CallState } from './call-state.js';

/**
 * Wires a started streaming attempt to its call: the caller's signal cancels it, its
 * headers and trailers reach `onHeader` / `onTrailer`, and the node's load report in its
 * trailers reaches the endpoint.
 */
export function follow(grpcCall: grpc.Call, attempt: Attempt, call: CallState): void {
  reportMetadata(grpcCall, call.options);
  cancelOnAbort(grpcCall, call.signal);
  grpcCall.on('status', (status: grpc.StatusObject) => attempt.takeReport(status.metadata, performance.now()));
}

/** Cancels a grpc-js call when `signal` aborts (and stops listening when the call ends). */
export function cancelOnAbort(call: grpc.Call, signal: AbortSignal | undefined): void {
  if (signal === undefined) return;
  if (signal.aborted) {
    call.cancel();
    return;
  }
  const onAbort = () => call.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  call.once('status', () => signal.removeEventListener('abort', onAbort));
}

/**
 * Passes an attempt's headers and trailers to the call's `onHeader` / `onTrailer`, before
 * the attempt is recorded and settled. A callback that throws is the caller's bug: it is
 * rethrown outside grpc-js' event dispatch (an uncaught exception, as it would be from
 * there), so that the listeners after it, which settle the call, still run.
 */
export function reportMetadata(call: grpc.Call, options: CallOptions): void {
  const { onHeader, onTrailer } = options;
  if (onHeader !== undefined) call.on('metadata', guarded(onHeader));
  if (onTrailer !== undefined) {
    const guardedTrailer = guarded(onTrailer);
    call.on('status', (status: grpc.StatusObject) => guardedTrailer(status.metadata));
  }
}

/** `callback`, with what it throws rethrown outside the caller (an uncaught exception, not a failed call). */
export function guarded<T>(callback: (value: T) => void): (value: T) => void {
  return (value) => {
    try {
      callback(value);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  };
}

/**
 * Writes a request stream into a call, honouring back-pressure, then half-closes. It stops
 * (and so finalizes the caller's iterator) as soon as the call has its status, e.g. when
 * the server answered before reading every request, or the caller cancelled.
 */
export async function pump(
  requests: StreamInput<unknown>,
  call: grpc.ClientWritableStream<unknown>,
  cancel?: AbortSignal,
): Promise<void> {
  const done = new AbortController();
  call.once('status', () => done.abort());
  // A cancelled call must not be half-closed: the server would take it for a finished upload.
  cancel?.addEventListener('abort', () => done.abort(), { once: true });
  if (await writeStream(call, requests, done.signal)) call.end();
}

/** Makes a thrown non-Error value an Error. */
export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
