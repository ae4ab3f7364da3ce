import type * as grpc from '@grpc/grpc-js';
import { wasTried } from '../../balancer/tried.js';
import { Status } from '../../common/status.js';
import type { MethodCodec } from '../../schema/codec.js';
import type { MethodDescriptor } from '../../schema/descriptor.js';
import type { CallOptions } from '../api/call-options.js';
import type { Attempt } from '../endpoints/attempt.js';
import type { ClientEndpoint } from '../endpoints/client-endpoint.js';
import { attemptFailure, callError, refusedForOverload } from './attempt-failure.js';
import type { CallPipeline } from './call-pipeline.js';
import type { CallState } from './call-state.js';
import { armHedge, type HedgeDue, type MethodHedging } from './hedge-delay.js';
import { cancelOnAbort, guarded } from './stream-io.js';
import { sendUnaryRequest, type UnaryAnswer } from './unary-request.js';

/**
 * A hedged unary call (gRFC A6 hedging, Finagle `BackupRequestFilter`): the first attempt
 * goes where the balancer says; each time the delay passes without an answer, one more goes
 * to a node the call has not tried (the balancer's pick with `tried` filled), taken from the
 * hedging budget, up to `maxAttempts`. The first OK answer wins, as does a fatal code; the
 * other attempts are cancelled and recorded as CANCELLED (the client's doing: outlier
 * ejection does not count it against the node). A non-fatal failure sends the next hedge at
 * once. Cost: at most `1 + ratio` times the calls reach the nodes (the budget), and every
 * attempt is recorded through `attempt.end` like any other.
 */
export function hedgedUnaryCall(
  pipeline: CallPipeline,
  method: MethodDescriptor,
  codec: MethodCodec,
  hedging: MethodHedging,
  request: unknown,
  options: CallOptions = {},
): Promise<unknown> {
  try {
    return new HedgedCall(pipeline, pipeline.start(method, options), codec, request, hedging).run();
  } catch (error) {
    return Promise.reject(error);
  }
}

/** One hedged call: its attempts in flight, the timer of its next hedge, and how it settled. */
class HedgedCall implements HedgeDue {
  private readonly attempts: HedgeAttempt[] = [];
  private inFlight = 0;
  private settled = false;
  private timer: NodeJS.Timeout | undefined;
  private resolve: (value: unknown) => void = noop;
  private reject: (error: unknown) => void = noop;

  constructor(
    readonly pipeline: CallPipeline,
    readonly call: CallState,
    readonly codec: MethodCodec,
    readonly request: unknown,
    private readonly hedging: MethodHedging,
  ) {
    pipeline.defaults.hedgeBudget.recordCall();
  }

  run(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      const picked = this.pipeline.pick(this.call);
      if (picked instanceof Promise) {
        picked.then(
          (endpoint) => this.send(endpoint, false),
          (error: unknown) => reject(error),
        );
      } else {
        this.send(picked, false);
      }
    });
  }

  /** The delay passed with no answer: one more attempt, if allowed. */
  hedgeDue(): void {
    this.timer = undefined;
    if (!this.settled && !this.call.signal?.aborted) this.hedge();
  }

  /** How an attempt ended (its status arrived); settles the call or waits for the others. */
  ended(attempt: HedgeAttempt, error: unknown, status: grpc.StatusObject | undefined): void {
    const now = performance.now();
    this.inFlight--;
    if (status !== undefined) attempt.attempt.takeReport(status.metadata, now);
    try {
      if (error === null) {
        attempt.attempt.end(Status.OK, now);
        if (attempt.hedge) attempt.endpoint.measured.hedgesWon++;
        this.hedging.delay.record(now - attempt.attempt.startedAt);
        this.settle(attempt, status);
        this.resolve(attempt.response);
        return;
      }
      const failure = attemptFailure(error, attempt.endpoint, this.call);
      attempt.attempt.end(failure.code, now, refusedForOverload(failure));
      if (this.call.signal?.aborted || !this.hedging.policy.nonFatalCodes.has(failure.code)) {
        this.settle(attempt, status);
        this.reject(callError(failure, this.call));
        return;
      }
      // A non-fatal failure: the next hedge goes at once (A6); the call fails when none can and none is left.
      if (!this.hedge() && this.inFlight === 0) {
        this.settle(attempt, status);
        this.reject(callError(failure, this.call));
      }
    } catch (thrown) {
      // What the recording threw (a custom balancer's `onCallEnd`) fails the call.
      this.settle(attempt, status);
      this.reject(thrown);
    }
  }

  /** Sends a hedge to a node not tried yet, within `maxAttempts` and the budget; false if none went. */
  private hedge(): boolean {
    if (this.attempts.length >= this.hedging.policy.maxAttempts) return false;
    const endpoint = this.pipeline.set.pick(this.call);
    if (endpoint === undefined || wasTried(this.call.tried, endpoint)) return false;
    if (!this.pipeline.defaults.hedgeBudget.tryRetry()) return false;
    endpoint.measured.hedges++;
    this.call.attempt++;
    this.send(endpoint, true);
    return true;
  }

  private send(endpoint: ClientEndpoint, hedge: boolean): void {
    if (this.settled) return;
    const attempt = new HedgeAttempt(this, endpoint, hedge);
    this.attempts.push(attempt);
    this.call.tried.push(endpoint);
    this.inFlight++;
    attempt.send();
    if (this.settled || this.attempts.length >= this.hedging.policy.maxAttempts) return;
    const delay = this.hedging.delay.value;
    if (delay !== Number.POSITIVE_INFINITY && this.timer === undefined) {
      this.timer = armHedge(delay, this);
    }
  }

  /** Ends the call on `winner`: no more hedges, the other attempts cancelled, its header and trailer passed on. */
  private settle(winner: HedgeAttempt, status: grpc.StatusObject | undefined): void {
    this.settled = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const attempt of this.attempts) if (attempt !== winner) attempt.cancel();
    const { onHeader, onTrailer } = this.call.options;
    if (onHeader !== undefined && winner.headers !== undefined) guarded(onHeader)(winner.headers);
    if (onTrailer !== undefined && status !== undefined) guarded(onTrailer)(status.metadata);
  }
}

/** One attempt of a hedged call on one endpoint; the call decides when it ended. */
class HedgeAttempt implements UnaryAnswer {
  readonly attempt: Attempt<ClientEndpoint>;
  response: unknown;
  headers: grpc.Metadata | undefined;
  private grpcCall: grpc.ClientUnaryCall | undefined;
  private done = false;
  answered = false;
  error: grpc.ServiceError | null = null;

  constructor(
    private readonly hedged: HedgedCall,
    readonly endpoint: ClientEndpoint,
    /** Sent after the delay (or a non-fatal failure), not first. */
    readonly hedge: boolean,
  ) {
    this.attempt = hedged.pipeline.begin(endpoint, hedged.call);
  }

  send(): void {
    const { call, codec, request } = this.hedged;
    try {
      this.grpcCall = sendUnaryRequest(this.endpoint, call, codec, request, this);
    } catch (thrown) {
      this.finish(thrown ?? new Error(String(thrown)), undefined);
      return;
    }
    // An interceptor in the channel options can answer before the call is returned.
    if (this.answered) {
      this.finish(this.error, undefined);
      return;
    }
    cancelOnAbort(this.grpcCall, call.signal);
    if (call.options.onHeader !== undefined) this.grpcCall.on('metadata', (headers) => (this.headers = headers));
    this.grpcCall.on('status', (status: grpc.StatusObject) => this.finish(this.error, status));
  }

  /** Cancels a losing attempt on its node; it is recorded as CANCELLED, not as the node's failure. */
  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.grpcCall?.cancel();
    this.attempt.abandon();
  }

  /** `error` null: answered OK. */
  private finish(error: unknown, status: grpc.StatusObject | undefined): void {
    if (this.done) return;
    this.done = true;
    this.hedged.ended(this, error, status);
  }
}

function noop(): void {}
