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

/**
 * A hedged server stream: hedged as a unary call (`hedged-unary.ts`) until the first
 * message (or the end of an empty stream); the attempt that delivers it first keeps the
 * stream and the others are cancelled. After that the stream stays on its node, as any
 * server stream: a message delivered cannot be taken back. The delay is measured to the
 * first message.
 */
export function hedgedServerStream(
  pipeline: CallPipeline,
  method: MethodDescriptor,
  codec: MethodCodec,
  hedging: MethodHedging,
  request: unknown,
  options: CallOptions = {},
): AsyncIterable<unknown> {
  return {
    async *[Symbol.asyncIterator]() {
      const call = pipeline.start(method, options);
      const race = new FirstMessageRace(pipeline, call, codec, request, hedging);
      const winner = await race.run(await pipeline.pick(call));
      let open: grpc.ClientReadableStream<unknown> | undefined = winner.grpcCall;
      let failed = false;
      try {
        let next = winner.first!;
        while (!next.done) {
          yield next.value;
          next = await winner.messages.next();
        }
        open = undefined;
      } catch (error) {
        open = undefined;
        failed = true;
        const failure = attemptFailure(error, winner.endpoint, call);
        winner.attempt.end(failure.code, undefined, refusedForOverload(failure));
        throw callError(failure, call);
      } finally {
        // The consumer stopped early: cancel the rest of the stream.
        open?.cancel();
        if (!failed) winner.attempt.end(Status.OK);
      }
    },
  };
}

/** One attempt of a hedged stream, until the race is decided. */
interface Racer {
  readonly endpoint: ClientEndpoint;
  readonly attempt: Attempt<ClientEndpoint>;
  readonly hedge: boolean;
  grpcCall: grpc.ClientReadableStream<unknown> | undefined;
  messages: AsyncIterator<unknown>;
  headers: grpc.Metadata | undefined;
  first: IteratorResult<unknown> | undefined;
  cancelled: boolean;
}

/** The attempts of a hedged stream racing to its first message. */
class FirstMessageRace implements HedgeDue {
  private readonly racers: Racer[] = [];
  private inFlight = 0;
  private decided = false;
  private timer: NodeJS.Timeout | undefined;
  private win: (racer: Racer) => void = noop;
  private lose: (error: unknown) => void = noop;

  constructor(
    private readonly pipeline: CallPipeline,
    private readonly call: CallState,
    private readonly codec: MethodCodec,
    private readonly request: unknown,
    private readonly hedging: MethodHedging,
  ) {
    pipeline.defaults.hedgeBudget.recordCall();
  }

  /** The attempt that delivers the first message, starting with one on `endpoint`. */
  run(endpoint: ClientEndpoint): Promise<Racer> {
    return new Promise((resolve, reject) => {
      this.win = resolve;
      this.lose = reject;
      this.send(endpoint, false);
    });
  }

  private send(endpoint: ClientEndpoint, hedge: boolean): void {
    const call = this.call;
    const racer: Racer = {
      endpoint,
      attempt: this.pipeline.begin(endpoint, call),
      hedge,
      grpcCall: undefined,
      messages: EMPTY,
      headers: undefined,
      first: undefined,
      cancelled: false,
    };
    this.racers.push(racer);
    call.tried.push(endpoint);
    this.inFlight++;
    try {
      const next = call.startAttempt();
      const grpcCall = endpoint.grpcClient.makeServerStreamRequest(
        call.path,
        this.codec.serializeRequest,
        this.codec.deserializeResponse,
        this.request,
        next.metadata,
        next.options,
      );
      racer.grpcCall = grpcCall;
      cancelOnAbort(grpcCall, call.signal);
      grpcCall.on('status', (status: grpc.StatusObject) =>
        racer.attempt.takeReport(status.metadata, performance.now()),
      );
      if (call.options.onHeader !== undefined) grpcCall.on('metadata', (headers) => (racer.headers = headers));
      racer.messages = grpcCall[Symbol.asyncIterator]();
    } catch (error) {
      this.failed(racer, error);
      return;
    }
    racer.messages.next().then(
      (first) => this.answered(racer, first),
      (error: unknown) => this.failed(racer, error),
    );
    if (this.racers.length < this.hedging.policy.maxAttempts && this.timer === undefined) {
      const delay = this.hedging.delay.value;
      if (delay !== Number.POSITIVE_INFINITY) this.timer = armHedge(delay, this);
    }
  }

  /** The delay passed with no first message: one more attempt, if allowed. */
  hedgeDue(): void {
    this.timer = undefined;
    if (!this.decided && !this.call.signal?.aborted) this.hedge();
  }

  private hedge(): boolean {
    if (this.racers.length >= this.hedging.policy.maxAttempts) return false;
    const endpoint = this.pipeline.set.pick(this.call);
    if (endpoint === undefined || wasTried(this.call.tried, endpoint)) return false;
    if (!this.pipeline.defaults.hedgeBudget.tryRetry()) return false;
    endpoint.measured.hedges++;
    this.call.attempt++;
    this.send(endpoint, true);
    return true;
  }

  private answered(racer: Racer, first: IteratorResult<unknown>): void {
    if (racer.cancelled || this.decided) return;
    this.decide(racer);
    racer.first = first;
    if (racer.hedge) racer.endpoint.measured.hedgesWon++;
    this.hedging.delay.record(performance.now() - racer.attempt.startedAt);
    const { onHeader, onTrailer } = this.call.options;
    if (onHeader !== undefined && racer.headers !== undefined) guarded(onHeader)(racer.headers);
    if (onTrailer !== undefined) {
      const trailer = guarded(onTrailer);
      racer.grpcCall?.on('status', (status: grpc.StatusObject) => trailer(status.metadata));
    }
    this.win(racer);
  }

  private failed(racer: Racer, error: unknown): void {
    if (racer.cancelled || this.decided) return;
    this.inFlight--;
    const failure = attemptFailure(error, racer.endpoint, this.call);
    try {
      racer.attempt.end(failure.code, undefined, refusedForOverload(failure));
    } catch (thrown) {
      this.decide(racer);
      this.lose(thrown);
      return;
    }
    const fatal = this.call.signal?.aborted || !this.hedging.policy.nonFatalCodes.has(failure.code);
    if (fatal || (!this.hedge() && this.inFlight === 0)) {
      this.decide(racer);
      this.lose(callError(failure, this.call));
    }
  }

  /**
   * The race is over on `winner`: no more hedges, the others cancelled on their nodes
   * (CANCELLED, not their failure).
   */
  private decide(winner: Racer): void {
    this.decided = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const racer of this.racers) {
      if (racer === winner || racer.cancelled) continue;
      racer.cancelled = true;
      racer.grpcCall?.cancel();
      racer.attempt.abandon();
    }
  }
}

const EMPTY: AsyncIterator<unknown> = { next: async () => ({ done: true, value: undefined }) };

function noop(): void {}
