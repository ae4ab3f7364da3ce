import { integerAtLeast, numberAtLeast, positiveNumber } from '../../common/option-checks.js';
import { RpcError } from '../../common/rpc-error.js';
import { Status } from '../../common/status.js';
import { WindowCounter } from '../../observability/window-counter.js';
import type { ThrottleStats } from '../api/client-stats.js';

/**
 * Client-side adaptive throttling (Google SRE book, "Handling Overload"): over a trailing
 * window the client counts its `requests` and the `accepts` among them, and refuses a new
 * attempt locally with probability
 *
 *   p = max(0, (requests − k · accepts) / (requests + 1))
 *
 * so nothing is refused while the nodes accept more than 1/k of the requests, and when
 * they refuse, the client sends them about k times what they accept instead of everything.
 * Nothing is refused either while the window holds fewer than `minRequests` (as Hystrix's
 * request volume threshold): at a handful of requests the formula reads noise as overload
 * (two refusals and one accept give p = ¼), and one node of three refusing made a client
 * refuse calls at its start while the other two answered every retry.
 * An attempt refused for overload (RESOURCE_EXHAUSTED or UNAVAILABLE, but not a message
 * over a size limit) is a request not accepted; any other answer is accepted; a CANCELLED
 * attempt (the caller, or a hedge that lost) is neither. A refused attempt counts as a
 * request (as in the book), so p keeps rising while the nodes refuse and falls as soon as
 * they accept again. Calls the concurrency-limit queue refuses are not counted: no node
 * saw them. Each call reads the clock once for the throttle (its admission); the end of an
 * attempt passes the time it was recorded at.
 */
export class AdaptiveThrottle {
  readonly #service: string;
  readonly #k: number;
  readonly #windowMs: number;
  readonly #minRequests: number;
  readonly #counts: WindowCounter;
  readonly #random: () => number;
  #rejected = 0;

  /**
   * @param service - the service, named in the error of a refused call.
   * @param options - k and the window.
   * @param random - uniform source in [0, 1) for the draw.
   */
  constructor(service: string, options: ThrottleOptions, random: () => number) {
    const where = `createClient(${service})`;
    this.#service = service;
    this.#k = numberAtLeast(options.k ?? 2, 1, where, 'throttle.k');
    this.#windowMs = positiveNumber(options.windowMs ?? 10_000, where, 'throttle.windowMs');
    this.#minRequests = integerAtLeast(options.minRequests ?? 20, 0, where, 'throttle.minRequests');
    this.#counts = new WindowCounter(this.#windowMs, 10, 2);
    this.#random = random;
  }

  /** The probability that an attempt is refused at `now` (ms, `performance.now()`). */
  rejectProbability(now: number): number {
    const requests = this.#counts.total(now, REQUESTS);
    if (requests < this.#minRequests) return 0;
    return Math.max(0, (requests - this.#k * this.#counts.total(now, ACCEPTS)) / (requests + 1));
  }

  /** Lets an attempt of `path` go at `now`, or throws the RESOURCE_EXHAUSTED of a locally refused one. */
  admit(path: string, now: number): void {
    const p = this.rejectProbability(now);
    if (p === 0 || this.#random() >= p) return;
    this.#rejected++;
    this.#counts.add(now, REQUESTS);
    const requests = this.#counts.total(now, REQUESTS);
    const accepted = `the nodes accepted ${this.#counts.total(now, ACCEPTS)} of ${requests} requests`;
    throw new RpcError(
      Status.RESOURCE_EXHAUSTED,
      `${this.#service}: refused by the client's adaptive throttle with probability ${p.toFixed(2)}: ` +
        `${accepted} in the last ${this.#windowMs / 1000} s (throttle.k ${this.#k})`,
      undefined,
      { path },
    );
  }

  /** An attempt ended with `code` at `now`; `refused` when the node refused it for overload. */
  record(code: number, refused: boolean, now: number): void {
    if (code === Status.CANCELLED) return;
    this.#counts.add(now, REQUESTS);
    if (!refused) this.#counts.add(now, ACCEPTS);
  }

  /** The window's counts, the probability at `now` and the attempts refused so far. */
  stats(now = performance.now()): ThrottleStats {
    return {
      k: this.#k,
      windowMs: this.#windowMs,
      minRequests: this.#minRequests,
      requests: this.#counts.total(now, REQUESTS),
      accepts: this.#counts.total(now, ACCEPTS),
      rejectProbability: this.rejectProbability(now),
      rejected: this.#rejected,
    };
  }
}

/** Settings of the client's adaptive throttle (`ClientOptions.throttle`). */
export interface ThrottleOptions {
  /**
   * How many times what the nodes accept the client may still send (default 2, the book's):
   * nothing is refused while more than 1/k of the requests are accepted. At least 1.
   */
  readonly k?: number;
  /** Length of the trailing window of requests and accepts, ms (default 10,000). */
  readonly windowMs?: number;
  /**
   * Requests the window must hold before anything is refused (default 20, an integer ≥ 0):
   * below it the counts are too few to tell overload from chance.
   */
  readonly minRequests?: number;
}

const REQUESTS = 0;
const ACCEPTS = 1;
