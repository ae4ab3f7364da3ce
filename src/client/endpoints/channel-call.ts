import * as grpc from '@grpc/grpc-js';

/** How a call the client makes for itself ended: its status, without an error object. */
export interface ChannelCallStatus {
  readonly code: number;
  readonly details: string;
}

/** A call the client makes for itself, on one endpoint's connection. */
export interface ChannelCall {
  /** Cancels the call; its `onStatus` then gets CANCELLED, unless it had ended already. */
  cancel(): void;
}

/** What a call the client makes for itself tells its caller. */
export interface ChannelCallListener<Res> {
  readonly onHeaders?: (headers: grpc.Metadata) => void;
  readonly onMessage: (response: Res) => void;
  readonly onStatus: (status: ChannelCallStatus) => void;
}

/** How to read a call's answers (a method's codec does). */
export interface ChannelCallCodec {
  readonly deserializeResponse: (bytes: Buffer) => unknown;
}

/**
 * Starts a call with one request and any number of answers straight on `channel`, below
 * grpc-js' `Client`: the calls every endpoint makes on each connection (Node/Info, the
 * health watch) need none of what `Client` adds per call — an Error captured for its
 * stack, an EventEmitter, an interceptor chain — and at 1,000 endpoints that was most of
 * what their start-up cost (a ServiceError with a formatted stack per node that answers
 * UNIMPLEMENTED). `request` is the request's bytes: the same for every endpoint, they are
 * encoded once. `listener.onHeaders` gets the response headers (none come with a
 * trailers-only answer), `onMessage` each answer, `onStatus` the end, once.
 */
export function startChannelCall<Res>(
  channel: grpc.ChannelInterface,
  path: string,
  codec: ChannelCallCodec,
  request: Buffer,
  deadline: number,
  listener: ChannelCallListener<Res>,
): ChannelCall {
  const { onHeaders, onMessage, onStatus } = listener;
  const call = channel.createCall(path, deadline, undefined, null, undefined);
  let ended = false;
  call.start(new grpc.Metadata(), {
    onReceiveMetadata(headers: grpc.Metadata) {
      if (!ended) onHeaders?.(headers);
    },
    onReceiveMessage(bytes: Buffer) {
      if (ended) return;
      let response: Res;
      try {
        // The codec is the method's, so its answers are `Res`.
        response = codec.deserializeResponse(bytes) as Res;
      } catch (error) {
        call.cancelWithStatus(grpc.status.INTERNAL, `cannot decode the answer of ${path}: ${String(error)}`);
        return;
      }
      onMessage(response);
      if (!ended) call.startRead();
    },
    onReceiveStatus(status: grpc.StatusObject) {
      if (ended) return;
      ended = true;
      onStatus({ code: status.code, details: status.details });
    },
  });
  call.sendMessageWithContext({}, request);
  call.halfClose();
  call.startRead();
  return { cancel: () => call.cancelWithStatus(grpc.status.CANCELLED, 'cancelled by the client') };
}
