import type * as grpc from '@grpc/grpc-js';
import type { RpcError } from '../../common/rpc-error.js';
import { Status } from '../../common/status.js';
import type { MethodCodec } from '../../schema/codec.js';
import type { MethodDescriptor } from '../../schema/descriptor.js';
import type { CallOptions } from '../api/call-options.js';
import type { Attempt } from '../endpoints/attempt.js';
import type { ClientEndpoint } from '../endpoints/client-endpoint.js';
import { callError } from './attempt-failure.js';
import type { CallPipeline } from './call-pipeline.js';
import type { CallState } from './call-state.js';
import { retryAfter } from './retry.js';
import { cancelOnAbort, reportMetadata } from './stream-io.js';
import { sendUnaryRequest, type UnaryAnswer } from './unary-request.js';

/**
 * Unary calls. Written with callbacks and small objects rather than async functions and
 * closures, so that a call answered at once costs one promise: the client's own work per
 * call is measured against plain grpc-js (bench/overhead.ts). Only a failed attempt enters
 * an async function (the retry decision).
 */
export function unaryCall(
  pipeline: CallPipeline,
  method: MethodDescriptor,
  codec: MethodCodec,
  request: unknown,
  options: CallOptions = {},
): Promise<unknown> {
  try {
    return new UnaryCall(pipeline, pipeline.start(method, options), codec, request, true).next();
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
  try {
    return new UnaryCall(pipeline, pipeline.single(method, options), codec, request, false).on(endpoint);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** One unary call: its attempts, each on an endpoint picked for it, and the retries between them. */
class UnaryCall {
  constructor(
    readonly pipeline: CallPipeline,
    readonly call: CallState,
    readonly codec: MethodCodec,
    readonly request: unknown,
    /** Whether a failed attempt may be followed by another (as the retry policy allows). */
    readonly retries: boolean,
  ) {}

  /** The next attempt, on an endpoint picked for it (no promise for the pick when one is ready). */
  next(): Promise<unknown> {
    const picked = this.pipeline.pick(this.call);
    if (picked instanceof Promise) return picked.then((endpoint) => this.on(endpoint));
    return this.on(picked);
  }

  /** An attempt on `endpoint`, settled with its response or, after the retries, the call's error. */
  on(endpoint: ClientEndpoint): Promise<unknown> {
    return new Promise((resolve, reject) => new UnaryAttempt(this, endpoint, resolve, reject).send());
  }

  /** After a failed attempt: the next one, or the call's error. */
  async retry(failure: RpcError): Promise<unknown> {
    if (!this.retries || !(await retryAfter(failure, this.call, this.pipeline.defaults))) {
      throw this.retries ? callError(failure, this.call) : failure;
    }
    return this.next();
  }
}

/**
 * One attempt of a unary call on one endpoint: sent, answered (grpc-js calls back), then
 * recorded when its status comes with the trailers (the node's load report is read first).
 */
class UnaryAttempt implements UnaryAnswer {
  private readonly attempt: Attempt<ClientEndpoint>;
  answered = false;
  error: grpc.ServiceError | null = null;
  response: unknown;

  constructor(
    private readonly unary: UnaryCall,
    private readonly endpoint: ClientEndpoint,
    private readonly resolve: (value: unknown) => void,
    /** Fails the call without a retry: what the recording threw (a custom balancer's `onCallEnd`). */
    private readonly reject: (thrown: unknown) => void,
  ) {
    this.attempt = unary.pipeline.begin(endpoint, unary.call);
  }

  send(): void {
    const { call, codec, request } = this.unary;
    let grpcCall: grpc.ClientUnaryCall;
    try {
      grpcCall = sendUnaryRequest(this.endpoint, call, codec, request, this);
    } catch (thrown) {
      this.failed(this.unary.pipeline.fail(this.attempt, thrown, call));
      return;
    }
    // An interceptor in the channel options can answer before the call is returned: its
    // status has passed, with no trailers to read.
    if (this.answered) {
      this.finish(undefined);
      return;
    }
    cancelOnAbort(grpcCall, call.signal);
    reportMetadata(grpcCall, call.options);
    grpcCall.on('status', (status: grpc.StatusObject) => this.finish(status));
  }

  /** Records the attempt (reading the node's report in the status' trailers), then settles it. */
  private finish(status: grpc.StatusObject | undefined): void {
    const now = performance.now();
    if (status !== undefined) this.attempt.takeReport(status.metadata, now);
    try {
      if (this.error === null) {
        this.attempt.end(Status.OK, now);
        this.resolve(this.response);
      } else {
        this.failed(this.unary.pipeline.fail(this.attempt, this.error, this.unary.call, now));
      }
    } catch (thrown) {
      this.reject(thrown);
    }
  }

  private failed(failure: RpcError): void {
    this.resolve(this.unary.retry(failure));
  }
}
