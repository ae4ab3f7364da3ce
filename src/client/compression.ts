import * as grpc from '@grpc/grpc-js';

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

const ALGORITHMS: Readonly<Record<Compression, grpc.compressionAlgorithms>> = {
  identity: grpc.compressionAlgorithms.identity,
  deflate: grpc.compressionAlgorithms.deflate,
  gzip: grpc.compressionAlgorithms.gzip,
};

/** The channel options of a client's `compression`, checked. */
export function compressionChannelOptions(compression: Compression | undefined, where: string): grpc.ChannelOptions {
  if (compression === undefined) return {};
  if (!Object.hasOwn(ALGORITHMS, compression)) {
    throw new TypeError(`${where}: compression must be 'gzip', 'deflate' or 'identity', got ${String(compression)}`);
  }
  return compression === 'identity' ? {} : { 'grpc.default_compression_algorithm': ALGORITHMS[compression] };
}

/** Refuses a call's `compression` that its client's channels cannot do (they compress with one algorithm). */
export function checkCallCompression(perCall: Compression | undefined, client: Compression | undefined, path: string): void {
  if (perCall === undefined || perCall === 'identity' || perCall === client) return;
  const has = client === undefined || client === 'identity' ? 'no compression' : `compression '${client}'`;
  throw new TypeError(
    `${path}: compression '${perCall}' needs a client created with compression '${perCall}' (this one has ${has}); ` +
      `grpc-js picks the algorithm per channel, a call can only opt out with compression 'identity'`,
  );
}

/** grpc-js' write flag that sends one message uncompressed on a compressing channel. */
const NO_COMPRESS = 2;

/** A grpc-js call whose messages all carry NoCompress. */
class UncompressedCall extends grpc.InterceptingCall {
  override sendMessageWithContext(context: Parameters<grpc.InterceptingCall['sendMessageWithContext']>[0], message: unknown): void {
    super.sendMessageWithContext({ ...context, flags: (context.flags ?? 0) | NO_COMPRESS }, message);
  }
}

const UNCOMPRESSED: grpc.CallOptions['interceptors'] = [(options, nextCall) => new UncompressedCall(nextCall(options))];

/** The grpc-js options of an attempt, with the interceptor that sends a call's messages uncompressed when it asks. */
export function withCallCompression(compression: Compression | undefined, options: grpc.CallOptions): grpc.CallOptions {
  return compression === 'identity' ? { ...options, interceptors: UNCOMPRESSED } : options;
}
