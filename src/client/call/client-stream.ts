import { Status } from '../../common/status.js';
import type { MethodCodec } from '../../schema/codec.js';
import type { MethodDescriptor } from '../../schema/descriptor.js';
import type { StreamInput } from '../../schema/types.js';
import type { CallOptions } from '../api/call-options.js';
import type { CallPipeline } from './call-pipeline.js';
import { follow, pump } from './stream-io.js';

/**
 * A client-streaming call: the requests are written as the node reads them, then one
 * response. Never retried (its requests are consumed).
 */
export async function clientStreamCall(
  pipeline: CallPipeline,
  method: MethodDescriptor,
  codec: MethodCodec,
  requests: StreamInput<unknown>,
  options: CallOptions = {},
): Promise<unknown> {
  const call = pipeline.start(method, options);
  const endpoint = await pipeline.pick(call);
  const attempt = pipeline.begin(endpoint, call);
  try {
    const next = call.startAttempt();
    const response = await new Promise((resolve, reject) => {
      const grpcCall = endpoint.grpcClient.makeClientStreamRequest(
        method.path,
        codec.serializeRequest,
        codec.deserializeResponse,
        next.metadata,
        next.options,
        (error, value) => (error ? reject(error) : resolve(value)),
      );
      follow(grpcCall, attempt, call);
      pump(requests, grpcCall, call.signal).catch((error: unknown) => {
        call.requestStreamError = error;
        grpcCall.cancel();
        reject(error);
      });
    });
    attempt.end(Status.OK);
    return response;
  } catch (error) {
    throw pipeline.fail(attempt, error, call);
  }
}
