import type { RpcError } from '../../common/rpc-error.js';
import { Status } from '../../common/status.js';
import { integerAtLeast, outOfRange, positiveNumber } from '../../common/option-checks.js';

/** Exponential backoff between attempts. */
export interface BackoffOptions {
  /** Delay before the first retry, ms (default 10). */
  readonly initialMs?: number;
  /** Largest delay, ms (default 1000). */
  readonly maxMs?: number;
  /** Growth per attempt (default 2). */
  readonly multiplier?: number;
  /** Share of the delay drawn at random, 0..1 (default 0.5): delay × (1 − jitter × U). */
  readonly jitter?: number;
}

/** How a client retries failed calls. */
export interface RetryOptions {
  /** Attempts per call, counting the first (default 3; 1 turns retries off). */
  readonly maxAttempts?: number;
  /** Codes worth another attempt on another node (default `[UNAVAILABLE]`). */
  readonly retryOn?: readonly Status[];
  /**
   * Cancels an attempt that has not finished after this long and retries it elsewhere
   * (idempotent methods only), within the call's deadline. Off by default.
   */
  readonly attemptTimeoutMs?: number;
  readonly backoff?: BackoffOptions;
}

/** `RetryOptions` with every default filled in. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly retryOn: ReadonlySet<number>;
  readonly attemptTimeoutMs: number | undefined;
  readonly backoff: Required<BackoffOptions>;
}

/** Fills in defaults and checks values; `where` names the option in errors. */
export function retryPolicy(
  options: RetryOptions | undefined,
  base: RetryPolicy | undefined,
  where: string,
): RetryPolicy {
  const maxAttempts = options?.maxAttempts ?? base?.maxAttempts ?? 3;
  integerAtLeast(maxAttempts, 1, where, 'retry.maxAttempts');
  const attemptTimeoutMs = options?.attemptTimeoutMs ?? base?.attemptTimeoutMs;
  if (attemptTimeoutMs !== undefined) positiveNumber(attemptTimeoutMs, where, 'retry.attemptTimeoutMs');
  const backoff = {
    initialMs: options?.backoff?.initialMs ?? base?.backoff.initialMs ?? 10,
    maxMs: options?.backoff?.maxMs ?? base?.backoff.maxMs ?? 1000,
    multiplier: options?.backoff?.multiplier ?? base?.backoff.multiplier ?? 2,
    jitter: options?.backoff?.jitter ?? base?.backoff.jitter ?? 0.5,
  };
  if (!(backoff.jitter >= 0 && backoff.jitter <= 1)) {
    throw outOfRange(where, 'retry.backoff.jitter', 'within 0..1', backoff.jitter);
  }
  return {
    maxAttempts,
    retryOn: new Set(options?.retryOn ?? base?.retryOn ?? [Status.UNAVAILABLE]),
    attemptTimeoutMs,
    backoff,
  };
}

/** Delay before retry number `retry` (1 = first retry), in ms. */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number): number {
  const { initialMs, maxMs, multiplier, jitter } = policy.backoff;
  const delay = Math.min(maxMs, initialMs * multiplier ** (retry - 1));
  return delay * (1 - jitter * random());
}

/**
 * grpc-js' texts for a call that never left the client or that the server refused before
 * any handler saw it (an HTTP/2 REFUSED_STREAM after GOAWAY): safe to retry whatever the
 * method does.
 */
const NOT_PROCESSED = /^(Stream refused by server|No connection established|Failed to start HTTP\/2 stream)/;

/** Whether a failed attempt certainly did not run on the server. */
export function neverReachedServer(failure: RpcError): boolean {
  return failure.code === Status.UNAVAILABLE && NOT_PROCESSED.test(failure.details);
}
