import type { Metadata } from '@grpc/grpc-js';
import type { MetadataInit } from '../../common/metadata.js';

/** Per-call options, accepted by every client method as the last argument. */
export interface CallOptions {
  /** Deadline of this call in ms from now; overrides the client's `deadlineMs` (`Infinity`: none). */
  readonly deadlineMs?: number;
  /** Cancels the call (the server handler sees its `ctx.signal` aborted). */
  readonly signal?: AbortSignal;
  /**
   * `false`: this call, made inside a handler, does not inherit the deadline and the
   * cancellation of the call being handled (the client's `inheritDeadline`), for work that
   * must outlive that call. A call cannot inherit on a client with `inheritDeadline: false`.
   */
  readonly inheritDeadline?: false;
  /** Request metadata (headers). */
  readonly metadata?: MetadataInit;
  /** Routing key for key-aware balancers (e.g. a user id). */
  readonly key?: string;
  /** Called with the response headers (initial metadata) of each attempt that gets them. */
  readonly onHeader?: (metadata: Metadata) => void;
  /** Called with the trailers of each attempt, on success and on failure. */
  readonly onTrailer?: (metadata: Metadata) => void;
  /**
   * `'identity'` sends this call's messages uncompressed on a client with `compression`;
   * `'gzip'` or `'deflate'` must be the client's own (grpc-js picks the algorithm per
   * channel), else the call fails with a TypeError.
   */
  readonly compression?: Compression;
}

/**
 * Message compression of a client's requests, done by grpc-js' own compression filter.
 *
 * grpc-js picks the algorithm per channel (`grpc.default_compression_algorithm`): a client
 * with `compression: 'gzip'` sends `grpc-encoding: gzip` on every call and compresses
 * each message, unless the message is written with grpc-js' NoCompress flag, which is how
 * one call goes uncompressed (`{ compression: 'identity' }`: the messages carry the
 * uncompressed flag under the channel's `grpc-encoding`, as the gRPC spec allows). A call
 * cannot pick an algorithm its client's channels were not made with; asking for one fails
 * with a TypeError rather than sending something else. Responses in gzip or deflate from
 * any server are decompressed whatever the client's setting (grpc-js advertises
 * `grpc-accept-encoding: identity,deflate,gzip`); when a server's `grpc-accept-encoding`
 * leaves the client's algorithm out, grpc-js falls back to identity for that channel.
 */
export type Compression = 'gzip' | 'deflate' | 'identity';
