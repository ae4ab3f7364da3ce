import type { Metadata } from '@grpc/grpc-js';
import type { Interceptor } from '../../common/interceptor-chain.js';
import type { MethodDescriptor } from '../../schema/descriptor.js';
import type { CallOptions } from './call-options.js';

/** What a client interceptor sees of a call. */
export interface ClientCall {
  /** The method being called (its `path`, stream flags, `idempotent`). */
  readonly method: MethodDescriptor;
  /** The request metadata; interceptors may add to it (e.g. an `authorization` header). */
  readonly metadata: Metadata;
  /** The call's options as given by the caller. */
  readonly options: CallOptions;
}

/**
 * Client middleware around every call of a client (`createClient(Svc, { interceptors })`).
 * `next()` runs the rest of the chain and the call with all its attempts, and resolves when
 * it is complete: with the unary / client-stream response, or `undefined` when a stream has
 * ended (messages flow to the caller meanwhile); it rejects with the call's `RpcError`.
 * An interceptor may add metadata before `next()`, observe the result or the error, or
 * answer a unary call itself without calling `next()`.
 */
export type ClientInterceptor = Interceptor<ClientCall>;
