import type { Metadata } from '@grpc/grpc-js';
import type { MetadataInit } from '../../common/metadata.js';

/** Per-call options, accepted by every client method as the last argument. */
export interface CallOptions {
  /** Deadline of this call in ms from now; overrides the client's `deadlineMs` (`Infinity`: none). */
  readonly deadlineMs?: number;
  /** Cancels the call (the server handler sees its `ctx.signal` aborted). */
  readonly signal?: AbortSignal;
  /** Request metadata (headers). */
  readonly metadata?: MetadataInit;
  /** Routing key for key-aware balancers (e.g. a user id). */
  readonly key?: string;
  /** Called with the response headers (initial metadata) of each attempt that gets them. */
  readonly onHeader?: (metadata: Metadata) => void;
  /** Called with the trailers of each attempt, on success and on failure. */
  readonly onTrailer?: (metadata: Metadata) => void;
}
