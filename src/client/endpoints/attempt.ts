import type * as grpc from '@grpc/grpc-js';
import type { Endpoint } from '../../balancer/balancer.js';
import { Status } from '../../common/status.js';
import type { AttemptEnd, EndedAttempt } from '../../observability/telemetry.js';
import type { MethodDescriptor } from '../../schema/descriptor.js';
import type { EndpointLoad } from './endpoint-load.js';

/**
 * One attempt of a call on one endpoint, from `endpoint.begin()` to {@link Attempt.end}:
 * the only way an attempt is recorded (as tower's peak-EWMA `Handle`). It counts in the
 * endpoint's in-flight calls from its start; `end` records it once — the endpoint's
 * estimates and stats, then the sink (ejection, balancer feedback, metrics).
 */
export class Attempt<E extends Endpoint = Endpoint> implements EndedAttempt<E> {
  #ended = false;
  #code = 0;
  #latencyMs = 0;
  #endedAt = 0;
  #refused = false;

  constructor(
    readonly endpoint: E,
    readonly method: MethodDescriptor,
    private readonly load: EndpointLoad,
    private readonly sink: AttemptEnd<E>,
    /** When the attempt started (`performance.now()`). */
    readonly startedAt: number,
    /** The queue it joined on the node, itself included: the client's estimate until the node says. */
    private depth: number,
    /** This client's attempts in flight on the node when it began, itself included (for the concurrency limit). */
    private readonly inFlightAtStart: number,
  ) {}

  /** The status code it ended with (0 until it ends). */
  get code(): number {
    return this.#code;
  }

  /** From its start to its end, ms (0 until it ends). */
  get latencyMs(): number {
    return this.#latencyMs;
  }

  /** When it ended (`performance.now()`; 0 until it ends). */
  get endedAt(): number {
    return this.#endedAt;
  }

  /** Whether the node refused it for overload (see {@link Attempt.end}). */
  get refused(): boolean {
    return this.#refused;
  }

  /** Reads the node's load report in the attempt's trailers, received at `now`. */
  takeReport(trailers: grpc.Metadata, now: number): void {
    const joined = this.load.readReport(trailers, now);
    if (joined !== undefined && joined > 0) this.depth = joined;
  }

  /**
   * Records how the attempt ended (once; later calls do nothing); `refused` when the node
   * refused it for overload (a failure's `refusedForOverload`), not for a message's size.
   */
  end(code: number, now = performance.now(), refused = false): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#code = code;
    this.#latencyMs = now - this.startedAt;
    this.#endedAt = now;
    this.#refused = refused;
    this.load.finish(code, this.#latencyMs, now, this.depth, this.inFlightAtStart, refused);
    this.sink.attemptEnded(this);
  }

  /**
   * Records that the client cancelled the attempt before the node answered it, because
   * another attempt of its call won (once; later calls do nothing): CANCELLED, and the
   * node is taken to hold it until it answers another OK ({@link EndpointLoad.abandoned}).
   */
  abandon(now = performance.now()): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#code = Status.CANCELLED;
    this.#latencyMs = now - this.startedAt;
    this.#endedAt = now;
    this.load.abandoned(this.#latencyMs, now, this.depth);
    this.sink.attemptEnded(this);
  }
}
