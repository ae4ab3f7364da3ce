import type { Interceptor } from '../common/interceptor-chain.js';
import type { MethodDescriptor } from '../schema/descriptor.js';
import type { CallContext } from './handler-types.js';

/** What a server interceptor sees of a call. */
export interface ServerCall {
  /** The method being called (its `path`, stream flags, `idempotent`). */
  readonly method: MethodDescriptor;
  /** The handler's context: request metadata, trailer, signal, deadline, peer. */
  readonly ctx: CallContext;
}

/**
 * Server middleware around every handler of a node (`createServer({ interceptors })`).
 * `next()` runs the rest of the chain and the handler, and resolves when the response is
 * complete: with the unary / client-stream response, or `undefined` when a stream has
 * ended; it rejects with what the handler threw. Throw an `RpcError` without calling
 * `next()` to refuse a call (e.g. UNAUTHENTICATED); trailers set on `ctx.trailer` after
 * `next()` still reach the caller.
 *
 * ```ts
 * const timing: ServerInterceptor = async ({ method }, next) => {
 *   const t0 = performance.now();
 *   try { return await next(); } finally { console.log(method.path, performance.now() - t0); }
 * };
 * ```
 */
export type ServerInterceptor = Interceptor<ServerCall>;
