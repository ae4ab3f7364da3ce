import type * as grpc from '@grpc/grpc-js';
import type { PickContext } from '../../balancer/balancer.js';
import { handledCall } from '../../common/handled-call.js';
import { toMetadata } from '../../common/metadata.js';
import type { MethodDescriptor } from '../../schema/descriptor.js';
import type { CallOptions } from '../api/call-options.js';
import type { ClientEndpoint } from '../endpoints/client-endpoint.js';
import { withCallCompression } from './compression.js';
import { inheritedDeadline, inheritedSignal } from './inherited-deadline.js';
import type { RetryPolicy } from './retry-policy.js';

const NO_METADATA: Readonly<Record<string, string>> = Object.freeze({});

/** One call in progress: its routing context, its deadline and the attempts made so far. */
export class CallState implements PickContext {
  readonly path: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly key: string | undefined;
  attempt = 1;
  readonly tried: ClientEndpoint[] = [];
  readonly grpcMetadata: grpc.Metadata;
  /** Deadline of the whole call, ms since epoch. */
  readonly deadline: number | undefined;
  /** The handled call whose deadline `deadline` is (inherited, less the margin), if it is one. */
  readonly deadlineFrom: string | undefined;
  readonly signal: AbortSignal | undefined;
  /** The caller's options (for its header and trailer callbacks). */
  readonly options: CallOptions;
  /** Deadline of the current attempt (earlier than `deadline` with an attempt timeout). */
  attemptDeadline: number | undefined;
  /** The last attempt ended because its own timeout passed (the call still has time). */
  lastAttemptTimedOut = false;
  /** What the caller's request stream threw, if it did: the call fails, the node is not blamed. */
  requestStreamError: unknown;
  /** Set when a retry was refused because the retry budget was spent. */
  budgetSpent = false;

  constructor(
    readonly method: MethodDescriptor,
    options: CallOptions,
    defaultDeadlineMs: number | undefined,
    readonly policy: RetryPolicy,
    readonly idempotent: boolean,
    /** Whether the call inherits the deadline and cancellation of the call being handled where it starts. */
    inherits: boolean,
  ) {
    this.path = method.path;
    const deadlineMs = options.deadlineMs ?? defaultDeadlineMs;
    const own =
      deadlineMs === undefined || deadlineMs === Number.POSITIVE_INFINITY ? undefined : Date.now() + deadlineMs;
    const handled = inherits ? handledCall() : undefined;
    if (handled === undefined) {
      this.deadline = own;
      this.deadlineFrom = undefined;
      this.signal = options.signal;
    } else {
      this.deadline = inheritedDeadline(own, handled, this.path);
      this.deadlineFrom = this.deadline === own ? undefined : handled.path;
      this.signal = inheritedSignal(options.signal, handled, this.path);
    }
    this.grpcMetadata = toMetadata(options.metadata);
    this.metadata = options.metadata === undefined ? NO_METADATA : firstValues(this.grpcMetadata);
    this.key = options.key;
    this.options = options;
  }

  /** grpc-js options of the next attempt (its deadline), and its metadata. */
  startAttempt(): { options: grpc.CallOptions; metadata: grpc.Metadata } {
    const timeout = this.policy.attemptTimeoutMs;
    this.attemptDeadline =
      timeout === undefined ? this.deadline : Math.min(this.deadline ?? Number.POSITIVE_INFINITY, Date.now() + timeout);
    return {
      options: withCallCompression(
        this.options.compression,
        this.attemptDeadline === undefined ? {} : { deadline: this.attemptDeadline },
      ),
      // grpc-js may add to the metadata it is given: later attempts get a copy.
      metadata: this.attempt === 1 ? this.grpcMetadata : this.grpcMetadata.clone(),
    };
  }

  /**
   * Whether a DEADLINE_EXCEEDED of the last attempt came from its own timeout: the attempt
   * had a deadline earlier than the call's, and the call still has time. (grpc-js' timer
   * can fire a millisecond before the clock reads the deadline, so the clock is not asked.)
   */
  attemptTimedOut(): boolean {
    return (
      this.attemptDeadline !== undefined &&
      this.attemptDeadline !== this.deadline &&
      (this.deadline === undefined || Date.now() < this.deadline)
    );
  }
}

function firstValues(metadata: grpc.Metadata): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) {
    if (typeof value === 'string') values[key] = value;
  }
  return values;
}
