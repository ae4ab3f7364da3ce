import type { Metadata } from '@grpc/grpc-js';
import type { MetadataInit } from '../common/metadata.js';
import type { MethodDescriptor, ServiceDescriptor } from '../schema/descriptor.js';
import type { DeepPartial } from '../schema/types.js';
import type { AppLoad } from './load-reporter.js';

/** What a handler knows about the call it serves. */
export interface CallContext {
  /** Full method path, e.g. `/demo.Greeter/SayHello`. */
  readonly path: string;
  /** Request metadata sent by the caller. */
  readonly metadata: Metadata;
  /** Aborted when the caller cancels, the deadline passes or the node force-closes. */
  readonly signal: AbortSignal;
  /** The caller's deadline, if it set one. */
  readonly deadline: Date | undefined;
  /** The caller's address. */
  readonly peer: string;
  /** Trailing metadata sent with the response; handlers may add to it. */
  readonly trailer: Metadata;
  /**
   * Sends the response headers (initial metadata) now, before the first response; at most
   * once per call, called on the context (`ctx.sendHeader(...)`). Without it, empty headers
   * go with the first response.
   *
   * @throws RpcError INTERNAL, naming the method, when called a second time in the same call
   *   (the headers are gone; gRPC has one set per call). Uncaught, it fails the call with
   *   that status and message.
   */
  sendHeader(metadata: MetadataInit): void;
  /** Reports the application's own load figures for the node (see `Server.reportLoad`). */
  reportLoad(load: AppLoad): void;
}

/** The handler of one method: its shape follows the method's stream flags. */
export type Handler<M> =
  M extends MethodDescriptor<infer Req, infer Res, false, false>
    ? (request: Req, ctx: CallContext) => Promise<DeepPartial<Res>> | DeepPartial<Res>
    : M extends MethodDescriptor<infer Req, infer Res, false, true>
      ? (request: Req, ctx: CallContext) => AsyncIterable<DeepPartial<Res>>
      : M extends MethodDescriptor<infer Req, infer Res, true, false>
        ? (requests: AsyncIterable<Req>, ctx: CallContext) => Promise<DeepPartial<Res>> | DeepPartial<Res>
        : M extends MethodDescriptor<infer Req, infer Res, true, true>
          ? (requests: AsyncIterable<Req>, ctx: CallContext) => AsyncIterable<DeepPartial<Res>>
          : (input: LooseInput<M>, ctx: CallContext) => unknown;

/** For services typed loosely: a handler may treat its input as a message or a stream. */
type LooseInput<M> =
  M extends MethodDescriptor<infer Req, unknown, boolean, boolean> ? Req & AsyncIterable<Req> : never;

/**
 * The handlers of a service, keyed by the client's camelCase method names. A method left
 * out answers UNIMPLEMENTED, as in grpc-js.
 */
export type Handlers<S extends ServiceDescriptor> = {
  readonly [K in keyof S['methods']]?: Handler<S['methods'][K]>;
};
