import type * as grpc from '@grpc/grpc-js';
import { Status } from '../../common/status.js';
import type { MethodDescriptor } from '../../schema/descriptor.js';
import type { CallOptions } from '../api/call-options.js';
import type { ClientEndpoint } from '../endpoints/client-endpoint.js';
import { callError } from './attempt-failure.js';
import type { CallPipeline } from './call-pipeline.js';
import type { CallState } from './call-state.js';
import { retryAfter } from './retry.js';
import { follow } from './stream-io.js';

/** A started server-streaming or bidi attempt. */
type ResponseStream = grpc.ClientReadableStream<unknown> | grpc.ClientDuplexStream<unknown, unknown>;

/**
 * The responses of a server-streaming or bidi call: one pick per stream, and the stream
 * stays on its endpoint. `start` opens an attempt on the endpoint picked. A server stream
 * is retried only before its first message; a bidi stream never (its requests are consumed).
 * The attempt is recorded when the stream ends, fails, or the consumer stops early (which
 * cancels the rest of the stream).
 */
export function responseStream(
  pipeline: CallPipeline,
  method: MethodDescriptor,
  options: CallOptions,
  start: (endpoint: ClientEndpoint, call: CallState) => ResponseStream,
): AsyncIterable<unknown> {
  return {
    async *[Symbol.asyncIterator]() {
      const call = pipeline.start(method, options);
      for (;;) {
        const endpoint = await pipeline.pick(call);
        const attempt = pipeline.begin(endpoint, call);
        let delivered = false;
        let failed = false;
        let grpcCall: ResponseStream | undefined;
        try {
          grpcCall = start(endpoint, call);
          follow(grpcCall, attempt, call);
          for await (const message of grpcCall) {
            delivered = true;
            yield message;
          }
          grpcCall = undefined;
        } catch (error) {
          grpcCall = undefined;
          failed = true;
          const failure = pipeline.fail(attempt, error, call);
          if (!delivered && !method.requestStream && (await retryAfter(failure, call, pipeline.defaults))) continue;
          throw callError(failure, call);
        } finally {
          // The consumer stopped early: cancel the rest of the stream.
          grpcCall?.cancel();
          if (!failed) attempt.end(Status.OK);
        }
        return;
      }
    },
  };
}
