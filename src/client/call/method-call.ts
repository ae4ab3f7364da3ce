import type { MethodCodec } from '../../schema/codec.js';
import type { MethodDescriptor } from '../../schema/descriptor.js';
import type { StreamInput } from '../../schema/types.js';
import type { CallOptions } from '../api/call-options.js';
import type { ClientInterceptor } from '../api/client-interceptor.js';
import { bidiStreamCall } from './bidi-stream.js';
import type { CallPipeline } from './call-pipeline.js';
import { clientStreamCall } from './client-stream.js';
import { hedgedServerStream } from './hedged-stream.js';
import { hedgedUnaryCall } from './hedged-unary.js';
import { interceptedPromise, interceptedStream } from './intercepted-call.js';
import { serverStreamCall } from './server-stream.js';
import { unaryCall } from './unary.js';

/** A client method as a function: a request (or a stream of them) and options in, the call's result out. */
type MethodCall = (input: unknown, options?: CallOptions) => unknown;

/**
 * The function a client exposes for `method`: the call kind its stream flags say, run
 * through `pipeline`, inside the interceptors when there are any.
 */
export function methodCall(
  pipeline: CallPipeline,
  method: MethodDescriptor,
  codec: MethodCodec,
  interceptors: readonly ClientInterceptor[],
): MethodCall {
  const call = callKind(pipeline, method, codec);
  if (interceptors.length === 0) return call;
  return method.responseStream
    ? (input, options) =>
        interceptedStream(interceptors, method, options, (o) => call(input, o) as AsyncIterable<unknown>)
    : (input, options) => interceptedPromise(interceptors, method, options, (o) => call(input, o) as Promise<unknown>);
}

function callKind(pipeline: CallPipeline, method: MethodDescriptor, codec: MethodCodec): MethodCall {
  if (method.requestStream) {
    return method.responseStream
      ? (requests, options) => bidiStreamCall(pipeline, method, codec, requests as StreamInput<unknown>, options)
      : (requests, options) => clientStreamCall(pipeline, method, codec, requests as StreamInput<unknown>, options);
  }
  const hedging = pipeline.defaults.policyOf(method).hedging;
  if (method.responseStream) {
    return hedging === undefined
      ? (request, options) => serverStreamCall(pipeline, method, codec, request, options)
      : (request, options) => hedgedServerStream(pipeline, method, codec, hedging, request, options);
  }
  return hedging === undefined
    ? (request, options) => unaryCall(pipeline, method, codec, request, options)
    : (request, options) => hedgedUnaryCall(pipeline, method, codec, hedging, request, options);
}
