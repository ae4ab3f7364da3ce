import type * as grpc from '@grpc/grpc-js';
import type { RpcError } from '../../common/rpc-error.js';
import { Status } from '../../common/status.js';
import type { MethodCodec } from '../../schema/codec.js';
import type { MethodDescriptor } from '../../schema/descriptor.js';
import type { CallOptions } from '../api/call-options.js';
import type { ClientEndpoint } from '../endpoints/client-endpoint.js';
import { callError } from './attempt-failure.js';
import type { CallPipeline } from './call-pipeline.js';
import type { CallState } from './call-state.js';
import { retryAfter } from './retry.js';
import { cancelOnAbort, reportMetadata } from './stream-io.js';

/**
 * Unary calls. Written with callbacks rather than async functions, so that a call answered
 * at once costs one promise: the client's own work per call is measured against plain
 * grpc-js (bench/overhead.ts). Only a failed attempt enters an async function (the retry
 * decision).
 */
export function unaryCall(
  pipeline: CallPipeline,
  method: MethodDescriptor,
  codec: MethodCodec,
  request: unknown,
  options: CallOptions = {},
): Promise<unknown> {
  try {
    return nextAttempt(pipeline, pipeline.start(method, options), codec, request);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * One attempt on a given endpoint, no pick and no retry (broadcast, task dispatch): counted
 * in the endpoint's stats and fed back to the balancer like any attempt.
 */
export function unaryOn(
  pipeline: CallPipeline,
  endpoint: ClientEndpoint,
  method: MethodDescriptor,
  codec: MethodCodec,
  request: unknown,
  options: CallOptions = {},
): Promise<unknown> {
  return attempt(pipeline, endpoint, pipeline.single(method, options), codec, request, false);
}

/** The call's next attempt, on an endpoint picked for it. */
function nextAttempt(pipeline: CallPipeline, call: CallState, codec: MethodCodec, request: unknown): Promise<unknown> {
  const picked = pipeline.pick(call);
  if (picked instanceof Promise) {
    return picked.then((endpoint) => attempt(pipeline, endpoint, call, codec, request, true));
  }
  return attempt(pipeline, picked, call, codec, request, true);
}

/** One attempt; when it fails and `retry`, the attempts after it as the retry policy allows. */
function attempt(
  pipeline: CallPipeline,
  endpoint: ClientEndpoint,
  call: CallState,
  codec: MethodCodec,
  request: unknown,
  retry: boolean,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const settle = (failure: RpcError | undefined, response: unknown) => {
      if (failure === undefined) resolve(response);
      else if (retry) resolve(retryUnary(pipeline, failure, call, codec, request));
      else reject(failure);
    };
    send(pipeline, endpoint, call, codec, request, settle, reject);
  });
}

async function retryUnary(
  pipeline: CallPipeline,
  failure: RpcError,
  call: CallState,
  codec: MethodCodec,
  request: unknown,
): Promise<unknown> {
  if (!(await retryAfter(failure, call, pipeline.defaults))) throw callError(failure, call);
  return nextAttempt(pipeline, call, codec, request);
}

/**
 * Sends one attempt to `endpoint` and records how it ended; `settle` gets the attempt's
 * failure as the caller sees it, or the response; `broken` gets what the recording threw
 * (a custom balancer's `onCallEnd`), which then fails the call.
 */
function send(
  pipeline: CallPipeline,
  endpoint: ClientEndpoint,
  call: CallState,
  codec: MethodCodec,
  request: unknown,
  settle: (failure: RpcError | undefined, response: unknown) => void,
  broken: (thrown: unknown) => void,
): void {
  const attempt = pipeline.begin(endpoint, call);
  let answered = false;
  let error: grpc.ServiceError | null = null;
  let response: unknown;
  // grpc-js calls back, then emits the status with the trailers: the attempt is recorded
  // once the node's load report in them is read.
  const finish = (trailers: grpc.Metadata | undefined) => {
    const now = performance.now();
    if (trailers !== undefined) attempt.takeReport(trailers, now);
    try {
      if (error === null) {
        attempt.end(Status.OK, now);
        settle(undefined, response);
      } else {
        settle(pipeline.fail(attempt, error, call, now), undefined);
      }
    } catch (thrown) {
      broken(thrown);
    }
  };
  let grpcCall: grpc.ClientUnaryCall;
  try {
    const next = call.startAttempt();
    grpcCall = endpoint.grpcClient.makeUnaryRequest(
      call.path,
      codec.serializeRequest,
      codec.deserializeResponse,
      request,
      next.metadata,
      next.options,
      (e, value) => {
        answered = true;
        error = e;
        response = value;
      },
    );
  } catch (thrown) {
    settle(pipeline.fail(attempt, thrown, call), undefined);
    return;
  }
  // An interceptor in the channel options can answer before the call is returned: its
  // status has passed, with no trailers to read.
  if (answered) {
    finish(undefined);
    return;
  }
  cancelOnAbort(grpcCall, call.signal);
  reportMetadata(grpcCall, call.options);
  grpcCall.on('status', (status: grpc.StatusObject) => finish(status.metadata));
}
