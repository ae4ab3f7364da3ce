import type { Metadata } from '@grpc/grpc-js';
import { type MetadataInit, toMetadata } from './metadata.js';
import { Status, statusName } from './status.js';

/** Where a failed call went; the client fills it in so the message names path and node. */
export interface RpcErrorSource {
  /** Full method path, e.g. `/demo.Greeter/SayHello`. */
  readonly path: string;
  /** Node id, when the call reached a known node. */
  readonly node?: string;
  /** Address of the endpoint the call was sent to. */
  readonly address?: string;
}

/**
 * The one error class of Switchboard, on both sides of a call.
 *
 * Handlers throw `new RpcError(Status.NOT_FOUND, 'no such user')` to fail a call with that
 * code, details and optional trailing metadata. Clients reject with an `RpcError` whose
 * `message` names the method, the node and the status, e.g.
 * `/demo.Greeter/SayHello on node-b (127.0.0.1:50052) UNAVAILABLE: connection refused`,
 * while `details` keeps the server's raw text.
 */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  /** The gRPC status code. */
  readonly code: Status;
  /** The status message as sent by the server (or produced by the client). */
  readonly details: string;
  /** Trailing metadata of the failed call. */
  readonly metadata: Metadata;
  /** Method and endpoint of the call, when known (client side). */
  readonly source: RpcErrorSource | undefined;

  constructor(code: Status, details: string, metadata?: MetadataInit, source?: RpcErrorSource) {
    super(formatMessage(code, details, source));
    this.code = code;
    this.details = details;
    this.metadata = toMetadata(metadata);
    this.source = source;
  }

  /** The status name, e.g. `UNAVAILABLE`. */
  get codeName(): string {
    return statusName(this.code);
  }

  /** The same error, with the method and endpoint it happened on. */
  at(source: RpcErrorSource): RpcError {
    return new RpcError(this.code, this.details, this.metadata, source);
  }
}

function formatMessage(code: Status, details: string, source: RpcErrorSource | undefined): string {
  const status = `${statusName(code)}: ${details}`;
  if (source === undefined) return status;
  const where =
    source.node === undefined
      ? ''
      : source.address === undefined || source.node === source.address
        ? ` on ${source.node}`
        : ` on ${source.node} (${source.address})`;
  return `${source.path}${where} ${status}`;
}

/** Whether a value looks like a grpc-js ServiceError / StatusObject. */
function isStatusLike(value: unknown): value is { code: number; details: string; metadata?: Metadata } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'number' &&
    typeof (value as { details?: unknown }).details === 'string'
  );
}

/** Turns anything a grpc-js call rejected with into an `RpcError` at a source. */
export function toRpcError(error: unknown, source: RpcErrorSource): RpcError {
  if (error instanceof RpcError) return error.source === undefined ? error.at(source) : error;
  if (isStatusLike(error)) return new RpcError(error.code, error.details, error.metadata, source);
  const text = error instanceof Error ? error.message : String(error);
  return new RpcError(Status.INTERNAL, text, undefined, source);
}
