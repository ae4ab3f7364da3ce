import type { MethodCodec } from '../../schema/codec.js';
import type { MethodDescriptor } from '../../schema/descriptor.js';
import type { CallOptions } from '../api/call-options.js';
import type { CallPipeline } from './call-pipeline.js';
import { responseStream } from './stream-call.js';

/** A server-streaming call: one request, the responses as an async iterable. */
export function serverStreamCall(
  pipeline: CallPipeline,
  method: MethodDescriptor,
  codec: MethodCodec,
  request: unknown,
  options: CallOptions = {},
): AsyncIterable<unknown> {
  return responseStream(pipeline, method, options, (endpoint, call) => {
    const attempt = call.startAttempt();
    return endpoint.grpcClient.makeServerStreamRequest(
      method.path,
      codec.serializeRequest,
      codec.deserializeResponse,
      request,
      attempt.metadata,
      attempt.options,
    );
  });
}
