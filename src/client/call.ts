import { setTimeout as sleep } from 'node:timers/promises';
import type * as grpc from '@grpc/grpc-js';
import type { Balancer, CallOutcome } from '../balancer/balancer.js';
import { metadataSize } from '../common/metadata.js';
import { RpcError } from '../common/rpc-error.js';
import { Status } from '../common/status.js';
import type { CallRecorder } from '../observability/metrics.js';
import type { MethodCodec } from '../schema/codec.js';
import type { MethodDescriptor } from '../schema/descriptor.js';
import type { StreamInput } from '../schema/types.js';
import { attemptFailure, callError } from './attempt-failure.js';
import { CallState } from './call-state.js';
import type { CallOptions } from './client-types.js';
import type { ClientEndpoint } from './endpoint.js';
import type { EndpointSet } from './endpoint-set.js';
import type { RetryBudget } from './retry-budget.js';
import { backoffDelay, neverReachedServer, type RetryPolicy } from './retry-policy.js';
import { type Compression, checkCallCompression } from './compression.js';
import { cancelOnAbort, pump, reportMetadata, toError } from './stream-io.js';

/** Client-wide call settings. */
export interface CallDefaults {
  readonly deadlineMs: number | undefined;
  /** How long a call without a deadline waits for a ready endpoint. */
  readonly waitForReadyMs: number;
  /** Retry policy and idempotency of a method (client options over the proto's marking). */
  readonly policyOf: (method: MethodDescriptor) => { readonly retry: RetryPolicy; readonly idempotent: boolean };
  readonly budget: RetryBudget;
  /** Source of backoff jitter. */
  readonly random: () => number;
  /** Prometheus recording of every attempt, when the client has `metrics`. */
  readonly record?: CallRecorder;
  /** Request metadata over this size fails the call with RESOURCE_EXHAUSTED before it is sent. */
  readonly maxMetadataBytes: number;
  readonly compression: Compression | undefined;
}


type Started = grpc.ClientReadableStream<unknown> | grpc.ClientDuplexStream<unknown, unknown>;

/**
 * When an attempt started, and the queue depth it joined on its endpoint: the client's
 * estimate, replaced by the node's own count when its response reports one.
 */
interface AttemptStart {
  readonly at: number;
  depth: number;
}

/**
 * Runs calls: pick an endpoint → invoke over its channel → feed the outcome back to the
 * endpoint, the outlier detector and the balancer → retry on another endpoint when that is
 * safe (a retryable code on an idempotent method, or an attempt no server processed), with
 * backoff, within the deadline and the retry budget.
 */
export class CallRunner {
  private readonly outcome = { code: 0, latencyMs: 0 } satisfies CallOutcome;

  constructor(
    private readonly set: EndpointSet,
    private readonly balancer: Balancer,
    private readonly defaults: CallDefaults,
  ) {}

  unary(method: MethodDescriptor, codec: MethodCodec, request: unknown, options: CallOptions = {}): Promise<unknown> {
    try {
      return this.unaryAttempts(this.newCall(method, options), codec, request);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * One unary attempt on a given endpoint, no pick and no retry (broadcast, task dispatch):
   * counted in the endpoint's stats and fed back to the balancer like any attempt.
   */
  unaryOn(endpoint: ClientEndpoint, method: MethodDescriptor, codec: MethodCodec, request: unknown, options: CallOptions = {}): Promise<unknown> {
    const policy = this.defaults.policyOf(method);
    const call = this.checked(new CallState(method, options, this.defaults.deadlineMs, policy.retry, policy.idempotent), options);
    return this.unaryAttempt(endpoint, call, codec, request, false);
  }

  /**
   * The call's next attempt on an endpoint picked for it. Written with callbacks rather
   * than async functions, so that a call answered at once costs one promise: the client's
   * own work per call is measured against plain grpc-js (bench/overhead.ts).
   */
  private unaryAttempts(call: CallState, codec: MethodCodec, request: unknown): Promise<unknown> {
    const picked = this.pick(call);
    if (picked instanceof Promise) return picked.then((endpoint) => this.unaryAttempt(endpoint, call, codec, request, true));
    return this.unaryAttempt(picked, call, codec, request, true);
  }

  /** One attempt; when it fails and `retry`, the attempts after it as the retry policy allows. */
  private unaryAttempt(endpoint: ClientEndpoint, call: CallState, codec: MethodCodec, request: unknown, retry: boolean): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const done = (failure: RpcError | undefined, response: unknown) => {
        if (failure === undefined) resolve(response);
        else if (retry) resolve(this.retryUnary(failure, call, codec, request));
        else reject(failure);
      };
      this.sendUnary(endpoint, codec, request, call, done, reject);
    });
  }

  private async retryUnary(failure: RpcError, call: CallState, codec: MethodCodec, request: unknown): Promise<unknown> {
    if (!(await this.retryAfter(failure, call))) throw callError(failure, call);
    return this.unaryAttempts(call, codec, request);
  }

  /**
   * Sends one unary attempt to `endpoint` and records how it ended; `done` gets the
   * attempt's failure as the caller sees it, or the response; `broken` gets what the
   * recording threw (a custom balancer's `onCallEnd`), which then fails the call.
   */
  private sendUnary(
    endpoint: ClientEndpoint,
    codec: MethodCodec,
    request: unknown,
    call: CallState,
    done: (failure: RpcError | undefined, response: unknown) => void,
    broken: (thrown: unknown) => void,
  ): void {
    const started = this.begin(endpoint);
    let answered = false;
    let error: grpc.ServiceError | null = null;
    let response: unknown;
    let grpcCall: grpc.ClientUnaryCall;
    try {
      const attempt = call.startAttempt();
      grpcCall = endpoint.grpcClient.makeUnaryRequest(
        call.path,
        codec.serializeRequest,
        codec.deserializeResponse,
        request,
        attempt.metadata,
        attempt.options,
        (e, value) => {
          answered = true;
          error = e;
          response = value;
        },
      );
    } catch (thrown) {
      done(this.fail(endpoint, thrown, started, call), undefined);
      return;
    }
    // An interceptor in the channel options can answer before the call is returned: its
    // status has passed, with no trailers to read.
    if (answered) {
      this.settleUnary(endpoint, call, started, error, response, undefined, done, broken);
      return;
    }
    cancelOnAbort(grpcCall, call.signal);
    reportMetadata(grpcCall, call.options);
    // grpc-js calls back, then emits the status with the trailers: the attempt is recorded
    // once the node's load report in them is read.
    grpcCall.on('status', (status: grpc.StatusObject) =>
      this.settleUnary(endpoint, call, started, error, response, status.metadata, done, broken),
    );
  }

  /** Records how a unary attempt ended (reading the node's report in `trailers`), then settles it. */
  private settleUnary(
    endpoint: ClientEndpoint,
    call: CallState,
    started: AttemptStart,
    error: grpc.ServiceError | null,
    response: unknown,
    trailers: grpc.Metadata | undefined,
    done: (failure: RpcError | undefined, response: unknown) => void,
    broken: (thrown: unknown) => void,
  ): void {
    const now = performance.now();
    if (trailers !== undefined) takeReport(endpoint, trailers, started, now);
    try {
      if (error === null) {
        this.end(endpoint, Status.OK, started, call, now);
        done(undefined, response);
      } else {
        done(this.fail(endpoint, error, started, call, now), undefined);
      }
    } catch (thrown) {
      broken(thrown);
    }
  }

  serverStream(method: MethodDescriptor, codec: MethodCodec, request: unknown, options: CallOptions = {}): AsyncIterable<unknown> {
    return this.stream(method, options, (endpoint, call) => {
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

  async clientStream(method: MethodDescriptor, codec: MethodCodec, requests: StreamInput<unknown>, options: CallOptions = {}): Promise<unknown> {
    const call = this.newCall(method, options);
    const endpoint = await this.pick(call);
    const started = this.begin(endpoint);
    try {
      const attempt = call.startAttempt();
      const response = await new Promise((resolve, reject) => {
        const grpcCall = endpoint.grpcClient.makeClientStreamRequest(
          method.path,
          codec.serializeRequest,
          codec.deserializeResponse,
          attempt.metadata,
          attempt.options,
          (error, value) => (error ? reject(error) : resolve(value)),
        );
        follow(grpcCall, endpoint, call, started);
        pump(requests, grpcCall, call.signal).catch((error: unknown) => {
          call.requestStreamError = error;
          grpcCall.cancel();
          reject(error);
        });
      });
      this.end(endpoint, Status.OK, started, call);
      return response;
    } catch (error) {
      throw this.fail(endpoint, error, started, call);
    }
  }

  bidiStream(method: MethodDescriptor, codec: MethodCodec, requests: StreamInput<unknown>, options: CallOptions = {}): AsyncIterable<unknown> {
    const responses = this.stream(method, options, (endpoint, call) => {
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

  /**
   * Server-streaming and bidi calls: one pick per stream; the stream stays on its endpoint.
   * A server stream is retried only before its first message; a bidi stream never (its
   * requests are consumed).
   */
  private stream(method: MethodDescriptor, options: CallOptions, start: (endpoint: ClientEndpoint, call: CallState) => Started): AsyncIterable<unknown> {
    const runner = this;
    return {
      async *[Symbol.asyncIterator]() {
        const call = runner.newCall(method, options);
        for (;;) {
          const endpoint = await runner.pick(call);
          const started = runner.begin(endpoint);
          let delivered = false;
          let failed = false;
          let grpcCall: Started | undefined;
          try {
            grpcCall = start(endpoint, call);
            follow(grpcCall, endpoint, call, started);
            for await (const message of grpcCall) {
              delivered = true;
              yield message;
            }
            grpcCall = undefined;
          } catch (error) {
            grpcCall = undefined;
            failed = true;
            const failure = runner.fail(endpoint, error, started, call);
            if (!delivered && !method.requestStream && (await runner.retryAfter(failure, call))) continue;
            throw callError(failure, call);
          } finally {
            // The consumer stopped early: cancel the rest of the stream.
            grpcCall?.cancel();
            if (!failed) runner.end(endpoint, Status.OK, started, call);
          }
          return;
        }
      },
    };
  }

  private newCall(method: MethodDescriptor, options: CallOptions): CallState {
    const policy = this.defaults.policyOf(method);
    this.defaults.budget.recordCall();
    return this.checked(new CallState(method, options, this.defaults.deadlineMs, policy.retry, policy.idempotent), options);
  }

  /** Refuses metadata a server would reset the stream for, and a compression the channels lack, with a message that says why. */
  private checked(call: CallState, options: CallOptions): CallState {
    checkCallCompression(options.compression, this.defaults.compression, call.path);
    const size = options.metadata === undefined ? 0 : metadataSize(call.grpcMetadata);
    if (size > this.defaults.maxMetadataBytes) {
      const limit = `over the limit of ${this.defaults.maxMetadataBytes} (maxMetadataBytes)`;
      throw new RpcError(Status.RESOURCE_EXHAUSTED, `request metadata is ${size} bytes, ${limit}`, undefined, { path: call.path });
    }
    return call;
  }

  /** A ready endpoint now (no promise on this hot path), or a promise of one. */
  private pick(call: CallState): ClientEndpoint | Promise<ClientEndpoint> {
    if (call.signal?.aborted) throw new RpcError(Status.CANCELLED, 'call cancelled before it started', undefined, { path: call.path });
    const endpoint = this.set.pick(call);
    if (endpoint !== undefined) return endpoint;
    const deadline = call.deadline ?? Date.now() + this.defaults.waitForReadyMs;
    return this.set.waitForPick(call, deadline, call.signal);
  }

  private begin(endpoint: ClientEndpoint): AttemptStart {
    const at = performance.now();
    return { at, depth: endpoint.begin(at) };
  }

  private end(endpoint: ClientEndpoint, code: number, started: AttemptStart, call: CallState, now = performance.now()): void {
    const latencyMs = now - started.at;
    endpoint.end(code, latencyMs, now, started.depth);
    this.defaults.record?.(call.method, endpoint.id, code, latencyMs);
    this.set.recordOutcome(endpoint, code);
    if (this.balancer.onCallEnd !== undefined) {
      this.outcome.code = code;
      this.outcome.latencyMs = latencyMs;
      this.balancer.onCallEnd(endpoint, this.outcome);
    }
  }

  /** Records a failed attempt; returns the error as the caller would see it. */
  private fail(endpoint: ClientEndpoint, error: unknown, started: AttemptStart, call: CallState, now = performance.now()): RpcError {
    const failure = attemptFailure(error, endpoint, call);
    this.end(endpoint, failure.code, started, call, now);
    call.tried.push(endpoint);
    return failure;
  }

  /**
   * Whether to try again, after the backoff: a retryable code on an idempotent method (or
   * an attempt that timed out on its own), or an attempt that no server processed; within
   * the attempts, the deadline and the budget.
   */
  private async retryAfter(failure: RpcError, call: CallState): Promise<boolean> {
    const policy = call.policy;
    // Cancelled during the attempt: its own CANCELLED is the answer.
    if (call.attempt >= policy.maxAttempts || call.signal?.aborted) return false;
    const retryable =
      neverReachedServer(failure) || (call.idempotent && (policy.retryOn.has(failure.code) || call.lastAttemptTimedOut));
    if (!retryable) return false;
    const delay = backoffDelay(policy, call.attempt, this.defaults.random);
    if (call.deadline !== undefined && Date.now() + delay >= call.deadline) return false;
    if (!this.defaults.budget.tryRetry()) {
      call.budgetSpent = true;
      return false;
    }
    try {
      await sleep(delay, undefined, { signal: call.signal });
    } catch {
      // Cancelled during the backoff: CANCELLED, not the failure of the attempt before.
      throw new RpcError(Status.CANCELLED, 'call cancelled while waiting to retry', undefined, { path: call.path });
    }
    call.attempt++;
    return true;
  }

}

/**
 * Wires a started attempt to its call: the caller's signal cancels it, its headers and
 * trailers reach `onHeader` / `onTrailer`, and the node's load report in its trailers
 * reaches the endpoint (with the queue the attempt joined there, when the node says).
 */
function follow(grpcCall: grpc.Call, endpoint: ClientEndpoint, call: CallState, started: AttemptStart): void {
  reportMetadata(grpcCall, call.options);
  cancelOnAbort(grpcCall, call.signal);
  grpcCall.on('status', (status: grpc.StatusObject) => takeReport(endpoint, status.metadata, started, performance.now()));
}

/** Gives the node's load report in an attempt's trailers to its endpoint; the queue the node says the attempt joined replaces the client's estimate. */
function takeReport(endpoint: ClientEndpoint, trailers: grpc.Metadata, started: AttemptStart, now: number): void {
  const joined = endpoint.readLoad(trailers, now);
  if (joined !== undefined && joined > 0) started.depth = joined;
}
