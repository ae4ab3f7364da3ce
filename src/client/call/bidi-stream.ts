import type { MethodCodec } from '../../schema/codec.js';
import type { MethodDescriptor } from '../../schema/descriptor.js';
import type { StreamInput } from '../../schema/types.js';
import type { CallOptions } from '../api/call-options.js';
import type { CallPipeline } from './call-pipeline.js';
import { responseStream } from './stream-call.js';
import { pump, toError } from './stream-io.js';

/**
 * A bidi call: the requests are written as the node reads them, the responses come as an
 * async iterable that can be iterated once (the requests can be read only once).
 */
export function bidiStreamCall(
  pipeline: CallPipeline,
  method: MethodDescriptor,
  codec: MethodCodec,
  requests: StreamInput<unknown>,
  options: CallOptions = {},
): AsyncIterable<unknown> {
  const responses = responseStream(pipeline, method, options, (endpoint, call) => {
    const attempt = call.startAttempt();
    const grpcCall = endpoint.grpcClient.makeBidiStreamRequest(
      method.path,
      codec.serializeRequest,
      codec.deserializeResponse,
      attempt.metadata,
      attempt.options,
    );
    pump(requests, grpcCall, call.signal).catch((error: unknown) => {
      call.requestStreamError = error;
      grpcCall.destroy(toError(error));
      grpcCall.cancel();
    });
    return grpcCall;
  });
  let consumed = false;
  return {
    [Symbol.asyncIterator]: () => {
      // Checked before anything is sent: the requests can be read only once.
      if (consumed) throw new TypeError(`${method.path}: a bidi call's responses can be iterated once`);
      consumed = true;
      return responses[Symbol.asyncIterator]();
    },
  };
}
