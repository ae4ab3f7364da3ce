import type { Balancer, CallOutcome } from '../../balancer/balancer.js';
import { metadataSize } from '../../common/metadata.js';
import { RpcError } from '../../common/rpc-error.js';
import { Status } from '../../common/status.js';
import type { CallRecorder } from '../../observability/metrics.js';
import type { AttemptEnd, ClientTelemetry, EndedAttempt } from '../../observability/telemetry.js';
import type { MethodDescriptor } from '../../schema/descriptor.js';
import type { CallOptions, Compression } from '../api/call-options.js';
import type { Attempt } from '../endpoints/attempt.js';
import type { ClientEndpoint } from '../endpoints/client-endpoint.js';
import type { EndpointSet } from '../endpoints/endpoint-set.js';
import { attemptFailure, refusedForOverload } from './attempt-failure.js';
import { CallState } from './call-state.js';
import { checkCallCompression } from './compression.js';
import type { AdaptiveThrottle } from './adaptive-throttle.js';
import type { MethodHedging } from './hedge-delay.js';
import type { RetryBudget } from './retry-budget.js';
import type { RetryPolicy } from './retry-policy.js';

/** How one method's calls are made, from the client's options. */
export interface MethodPolicy {
  readonly retry: RetryPolicy;
  readonly idempotent: boolean;
  /** Set when the method hedges (then `retry` allows one attempt). */
  readonly hedging: MethodHedging | undefined;
}

/** Client-wide call settings. */
export interface CallDefaults {
  readonly deadlineMs: number | undefined;
  /** Whether calls inherit the deadline and cancellation of the call being handled where they start. */
  readonly inheritDeadline: boolean;
  /** How long a call without a deadline waits for a ready endpoint. */
  readonly waitForReadyMs: number;
  /** Retry policy, idempotency and hedging of a method (client options over the proto's marking). */
  readonly policyOf: (method: MethodDescriptor) => MethodPolicy;
  readonly budget: RetryBudget;
  /** The hedging budget (the calls of hedged methods, and their hedges). */
  readonly hedgeBudget: RetryBudget;
  /** Source of backoff jitter. */
  readonly random: () => number;
  /** Prometheus recording of every attempt, when the client has `metrics`. */
  readonly record?: CallRecorder;
  /** Tracing and metrics of every attempt, when the client has `telemetry`. */
  readonly telemetry?: ClientTelemetry;
  /** Request metadata over this size fails the call with RESOURCE_EXHAUSTED before it is sent. */
  readonly maxMetadataBytes: number;
  /** The client's request compression (a call may only opt out of it). */
  readonly compression: Compression | undefined;
  /** The adaptive throttle every attempt passes and reports to, unless `throttle: false`. */
  readonly throttle: AdaptiveThrottle | undefined;
}

/**
 * The steps every call kind shares, for the calls of one balancer: start a call, pick an
 * endpoint for it (waiting for one when none is ready), begin an attempt there, and record
 * how each attempt ended — in the endpoint, outlier ejection, metrics and this balancer's
 * feedback (so each balancer learns from its own calls). The call kinds (`unary.ts`,
 * `server-stream.ts`, `client-stream.ts`, `bidi-stream.ts`) run their attempts through it.
 */
export class CallPipeline implements AttemptEnd<ClientEndpoint> {
  private readonly outcome = { code: 0, latencyMs: 0 } satisfies CallOutcome;

  constructor(
    readonly set: EndpointSet,
    private readonly balancer: Balancer,
    readonly defaults: CallDefaults,
  ) {}

  /** A new call of `method`, counted in the retry budget; its metadata checked. */
  start(method: MethodDescriptor, options: CallOptions): CallState {
    this.defaults.budget.recordCall();
    return this.single(method, options);
  }

  /**
   * A call that makes one attempt on an endpoint chosen elsewhere (broadcast, tasks): not
   * counted in the retry budget. A compression the channels lack and metadata over the
   * limit are refused here, before anything is sent.
   */
  single(method: MethodDescriptor, options: CallOptions): CallState {
    checkCallCompression(options.compression, this.defaults.compression, method.path);
    const policy = this.defaults.policyOf(method);
    const inherits = this.defaults.inheritDeadline && options.inheritDeadline !== false;
    const call = new CallState(method, options, this.defaults.deadlineMs, policy.retry, policy.idempotent, inherits);
    // Metadata a server would reset the stream for is refused with a message that says why.
    const size = options.metadata === undefined ? 0 : metadataSize(call.grpcMetadata);
    if (size > this.defaults.maxMetadataBytes) {
      const limit = `over the limit of ${this.defaults.maxMetadataBytes} (maxMetadataBytes)`;
      throw new RpcError(Status.RESOURCE_EXHAUSTED, `request metadata is ${size} bytes, ${limit}`, undefined, {
        path: call.path,
      });
    }
    return call;
  }

  /**
   * A ready endpoint now (no promise on this hot path), or a promise of one. The adaptive
   * throttle may refuse a call's first attempt (RESOURCE_EXHAUSTED); a retry is bounded by
   * the retry budget instead, so a call that was sent fails with its own answer.
   */
  pick(call: CallState): ClientEndpoint | Promise<ClientEndpoint> {
    if (call.signal?.aborted) {
      throw new RpcError(Status.CANCELLED, 'call cancelled before it started', undefined, { path: call.path });
    }
    if (call.attempt === 1) this.defaults.throttle?.admit(call.path, performance.now());
    const endpoint = this.set.pick(call);
    if (endpoint !== undefined) return endpoint;
    const deadline = call.deadline ?? Date.now() + this.defaults.waitForReadyMs;
    return this.set.waitForPick(call, deadline, call.signal);
  }

  /** An attempt of `call` begins on `endpoint`. */
  begin(endpoint: ClientEndpoint, call: CallState): Attempt<ClientEndpoint> {
    const telemetry = this.defaults.telemetry;
    return endpoint.begin(call.method, telemetry === undefined ? this : telemetry.attempt(endpoint, call, this));
  }

  /** Records a failed attempt; returns the error as the caller would see it. */
  fail(attempt: Attempt<ClientEndpoint>, error: unknown, call: CallState, now = performance.now()): RpcError {
    const failure = attemptFailure(error, attempt.endpoint, call);
    attempt.end(failure.code, now, refusedForOverload(failure));
    call.tried.push(attempt.endpoint);
    return failure;
  }

  attemptEnded(attempt: EndedAttempt<ClientEndpoint>): void {
    const { endpoint, code, latencyMs } = attempt;
    this.defaults.record?.(attempt.method, endpoint.id, code, latencyMs);
    this.defaults.throttle?.record(code, attempt.refused, attempt.endedAt);
    this.set.recordOutcome(endpoint, code);
    if (this.balancer.onCallEnd !== undefined) {
      this.outcome.code = code;
      this.outcome.latencyMs = latencyMs;
      this.balancer.onCallEnd(endpoint, this.outcome);
    }
  }
}
