// A client's request compression through grpc-js' own filter: what `Compression`
// (api/call-options.ts) says, as channel options, a per-call check and a per-call opt-out.
import * as grpc from '@grpc/grpc-js';
import type { Compression } from '../api/call-options.js';

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
export function checkCallCompression(
  perCall: Compression | undefined,
  client: Compression | undefined,
  path: string,
): void {
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
  override sendMessageWithContext(
    context: Parameters<grpc.InterceptingCall['sendMessageWithContext']>[0],
    message: unknown,
  ): void {
    super.sendMessageWithContext({ ...context, flags: (context.flags ?? 0) | NO_COMPRESS }, message);
  }
}

const UNCOMPRESSED: grpc.CallOptions['interceptors'] = [(options, nextCall) => new UncompressedCall(nextCall(options))];

/** The grpc-js options of an attempt, with the interceptor that sends a call's messages uncompressed when it asks. */
export function withCallCompression(compression: Compression | undefined, options: grpc.CallOptions): grpc.CallOptions {
  return compression === 'identity' ? { ...options, interceptors: UNCOMPRESSED } : options;
}
