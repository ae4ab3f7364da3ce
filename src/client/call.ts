import { once } from 'node:events';
import type * as grpc from '@grpc/grpc-js';
import type { Balancer, CallOutcome, PickContext } from '../balancer/balancer.js';
import { toMetadata } from '../common/metadata.js';
import { RpcError, toRpcError } from '../common/rpc-error.js';
import { Status } from '../common/status.js';
import type { MethodCodec } from '../schema/codec.js';
import type { MethodDescriptor } from '../schema/descriptor.js';
import type { StreamInput } from '../schema/types.js';
import type { CallOptions } from './client-types.js';
import type { ClientEndpoint } from './endpoint.js';
import type { EndpointSet } from './endpoint-set.js';

/** Client-wide call settings. */
export interface CallDefaults {
  readonly deadlineMs: number | undefined;
  /** How long a call without a deadline waits for a ready endpoint. */
  readonly waitForReadyMs: number;
  /** Attempts per call, counting the first (retries only for idempotent methods, on UNAVAILABLE). */
  readonly maxAttempts: number;
}

const NO_METADATA: Readonly<Record<string, string>> = Object.freeze({});

/** One call in progress: its routing context and the attempts made so far. */
class CallState implements PickContext {
  readonly path: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly key: string | undefined;
  attempt = 1;
  readonly tried: ClientEndpoint[] = [];
  readonly grpcMetadata: grpc.Metadata;
  readonly deadline: number | undefined;
  readonly signal: AbortSignal | undefined;

  constructor(method: MethodDescriptor, options: CallOptions, defaults: CallDefaults) {
    this.path = method.path;
    this.grpcMetadata = toMetadata(options.metadata);
    this.metadata = options.metadata === undefined ? NO_METADATA : firstValues(this.grpcMetadata);
    this.key = options.key;
    const deadlineMs = options.deadlineMs ?? defaults.deadlineMs;
    this.deadline = deadlineMs === undefined ? undefined : Date.now() + deadlineMs;
    this.signal = options.signal;
  }

  grpcOptions(): grpc.CallOptions {
    return this.deadline === undefined ? {} : { deadline: this.deadline };
  }
}

/**
 * Runs calls: pick an endpoint → invoke over its channel → feed the outcome back to the
 * endpoint and the balancer → retry on another endpoint when that is safe.
 */
export class CallRunner {
  private readonly outcome = { code: 0, latencyMs: 0 } satisfies CallOutcome;

  constructor(
    private readonly set: EndpointSet,
    private readonly balancer: Balancer,
    private readonly defaults: CallDefaults,
  ) {}

  async unary(method: MethodDescriptor, codec: MethodCodec, request: unknown, options: CallOptions = {}): Promise<unknown> {
    const call = new CallState(method, options, this.defaults);
    for (;;) {
      const picked = this.pick(call);
      const endpoint = picked instanceof Promise ? await picked : picked;
      const started = this.begin(endpoint);
      try {
        const response = await this.send(endpoint, method, codec, request, call);
        this.end(endpoint, Status.OK, started);
        return response;
      } catch (error) {
        const failure = this.fail(endpoint, error, started, call);
        if (!this.shouldRetry(method, failure, call)) throw failure;
      }
    }
  }

  /**
   * One unary attempt on a given endpoint, no pick and no retry (broadcast, task dispatch):
   * counted in the endpoint's stats and fed back to the balancer like any attempt.
   */
  async unaryOn(endpoint: ClientEndpoint, method: MethodDescriptor, codec: MethodCodec, request: unknown, options: CallOptions = {}): Promise<unknown> {
    const call = new CallState(method, options, this.defaults);
    const started = this.begin(endpoint);
    try {
      const response = await this.send(endpoint, method, codec, request, call);
      this.end(endpoint, Status.OK, started);
      return response;
    } catch (error) {
      throw this.fail(endpoint, error, started, call);
    }
  }

  /** Sends one unary request to `endpoint`. */
  private send(endpoint: ClientEndpoint, method: MethodDescriptor, codec: MethodCodec, request: unknown, call: CallState): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const grpcCall = endpoint.grpcClient.makeUnaryRequest(
        method.path,
        codec.serializeRequest,
        codec.deserializeResponse,
        request,
        call.attempt === 1 ? call.grpcMetadata : call.grpcMetadata.clone(),
        call.grpcOptions(),
        (error, value) => (error ? reject(error) : resolve(value)),
      );
      cancelOnAbort(grpcCall, call.signal);
    });
  }

  serverStream(method: MethodDescriptor, codec: MethodCodec, request: unknown, options: CallOptions = {}): AsyncIterable<unknown> {
    return this.stream(method, options, (endpoint, call) =>
      endpoint.grpcClient.makeServerStreamRequest(
        method.path,
        codec.serializeRequest,
        codec.deserializeResponse,
        request,
        call.attempt === 1 ? call.grpcMetadata : call.grpcMetadata.clone(),
        call.grpcOptions(),
      ),
    );
  }

  async clientStream(method: MethodDescriptor, codec: MethodCodec, requests: StreamInput<unknown>, options: CallOptions = {}): Promise<unknown> {
    const call = new CallState(method, options, this.defaults);
    const endpoint = await this.pick(call);
    const started = this.begin(endpoint);
    try {
      const response = await new Promise((resolve, reject) => {
        const grpcCall = endpoint.grpcClient.makeClientStreamRequest(
          method.path,
          codec.serializeRequest,
          codec.deserializeResponse,
          call.grpcMetadata,
          call.grpcOptions(),
          (error, value) => (error ? reject(error) : resolve(value)),
        );
        cancelOnAbort(grpcCall, call.signal);
        pump(requests, grpcCall).catch((error: unknown) => {
          grpcCall.cancel();
          reject(error);
        });
      });
      this.end(endpoint, Status.OK, started);
      return response;
    } catch (error) {
      throw this.fail(endpoint, error, started, call);
    }
  }

  bidiStream(method: MethodDescriptor, codec: MethodCodec, requests: StreamInput<unknown>, options: CallOptions = {}): AsyncIterable<unknown> {
    let input: StreamInput<unknown> | undefined = requests;
    return this.stream(method, options, (endpoint, call) => {
      const grpcCall = endpoint.grpcClient.makeBidiStreamRequest(
        method.path,
        codec.serializeRequest,
        codec.deserializeResponse,
        call.grpcMetadata,
        call.grpcOptions(),
      );
      if (input === undefined) throw new Error(`${method.path}: a bidi call's request stream can be consumed once`);
      pump(input, grpcCall).catch((error: unknown) => {
        grpcCall.destroy(toError(error));
        grpcCall.cancel();
      });
      input = undefined;
      return grpcCall;
    });
  }

  /** Server-streaming and bidi calls: one pick per stream; the stream stays on its endpoint. */
  private stream(
    method: MethodDescriptor,
    options: CallOptions,
    start: (endpoint: ClientEndpoint, call: CallState) => grpc.ClientReadableStream<unknown> | grpc.ClientDuplexStream<unknown, unknown>,
  ): AsyncIterable<unknown> {
    const runner = this;
    return {
      async *[Symbol.asyncIterator]() {
        const call = new CallState(method, options, runner.defaults);
        for (;;) {
          const endpoint = await runner.pick(call);
          const started = runner.begin(endpoint);
          let delivered = false;
          let code: number = Status.OK;
          let grpcCall: ReturnType<typeof start> | undefined;
          try {
            grpcCall = start(endpoint, call);
            cancelOnAbort(grpcCall, call.signal);
            for await (const message of grpcCall) {
              delivered = true;
              yield message;
            }
            grpcCall = undefined;
          } catch (error) {
            grpcCall = undefined;
            const failure = runner.fail(endpoint, error, started, call);
            code = failure.code;
            if (!delivered && method.requestStream === false && runner.shouldRetry(method, failure, call)) continue;
            throw failure;
          } finally {
            // The consumer stopped early: cancel the rest of the stream.
            grpcCall?.cancel();
            if (code === Status.OK) runner.end(endpoint, Status.OK, started);
          }
          return;
        }
      },
    };
  }

  /** A ready endpoint now (no promise on this hot path), or a promise of one. */
  private pick(call: CallState): ClientEndpoint | Promise<ClientEndpoint> {
    if (call.signal?.aborted) throw new RpcError(Status.CANCELLED, 'call cancelled before it started', undefined, { path: call.path });
    const endpoint = this.set.pick(call);
    if (endpoint !== undefined) return endpoint;
    const deadline = call.deadline ?? Date.now() + this.defaults.waitForReadyMs;
    return this.set.waitForPick(call, deadline, call.signal);
  }

  private begin(endpoint: ClientEndpoint): number {
    endpoint.begin();
    return performance.now();
  }

  private end(endpoint: ClientEndpoint, code: number, started: number): void {
    const latencyMs = performance.now() - started;
    endpoint.end(code, latencyMs);
    if (this.balancer.onCallEnd !== undefined) {
      this.outcome.code = code;
      this.outcome.latencyMs = latencyMs;
      this.balancer.onCallEnd(endpoint, this.outcome);
    }
  }

  /** Records a failed attempt; returns the error the caller would see. */
  private fail(endpoint: ClientEndpoint, error: unknown, started: number, call: CallState): RpcError {
    const failure = toRpcError(error, { path: call.path, node: endpoint.id, address: endpoint.address });
    this.end(endpoint, failure.code, started);
    call.tried.push(endpoint);
    if (call.attempt === 1) return failure;
    const attempts = call.tried.map((e) => e.id).join(', ');
    return new RpcError(failure.code, `${failure.details} (after ${call.attempt} attempts on ${attempts})`, failure.metadata, failure.source);
  }

  private shouldRetry(method: MethodDescriptor, failure: RpcError, call: CallState): boolean {
    if (failure.code !== Status.UNAVAILABLE || !method.idempotent) return false;
    if (call.attempt >= this.defaults.maxAttempts) return false;
    if (call.deadline !== undefined && Date.now() >= call.deadline) return false;
    call.attempt++;
    return true;
  }
}

function firstValues(metadata: grpc.Metadata): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) {
    if (typeof value === 'string') values[key] = value;
  }
  return values;
}

function cancelOnAbort(call: { cancel(): void }, signal: AbortSignal | undefined): void {
  if (signal === undefined) return;
  if (signal.aborted) {
    call.cancel();
    return;
  }
  const onAbort = () => call.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  (call as unknown as NodeJS.EventEmitter).once('status', () => signal.removeEventListener('abort', onAbort));
}

/** Writes a request stream into a call, honouring back-pressure, then half-closes. */
async function pump(requests: StreamInput<unknown>, call: grpc.ClientWritableStream<unknown>): Promise<void> {
  for await (const request of requests) {
    if (call.destroyed || call.writableEnded) return;
    if (!call.write(request)) await once(call, 'drain');
  }
  call.end();
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
