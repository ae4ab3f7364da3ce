import type { Readable, Writable } from 'node:stream';
import type * as grpc from '@grpc/grpc-js';
import { RpcError } from '../common/rpc-error.js';
import { Status } from '../common/status.js';
import { writeStream } from '../common/write-stream.js';
import { type MethodCodec, UndecodableMessage } from '../schema/codec.js';
import type { MethodDescriptor } from '../schema/descriptor.js';
import { runChain } from '../common/interceptor-chain.js';
import { runHandling } from '../common/handled-call.js';
import { createCallContext, type IncomingCall, type LiveContext } from './call-context.js';
import { answerBeforeDeadline, type DeadlineAnswer } from './deadline-answer.js';
import type { AppLoad } from './load-reporter.js';
import type { ServerInterceptor } from './server-interceptor.js';

/** A handler as the adapter sees it (the typed `Handler<M>` with its types erased). */
export type UntypedHandler = (input: never, ctx: LiveContext) => unknown;

/** What the server wants to know about each call (in-flight tracking, error reporting) and runs around it. */
export interface CallHooks {
  readonly interceptors: readonly ServerInterceptor[];
  begin(ctx: LiveContext): void;
  /** How long before a call's deadline the node answers for its handler (undefined: the default; 0: never). */
  readonly deadlineMarginMs?: number;
  /**
   * Admission (concurrency limit): undefined = run now, a promise = wait, a throw = refuse;
   * `answerBy`: when the node answers for the handler (before the caller's deadline), if it does.
   */
  admit?(ctx: LiveContext, answerBy: Date | undefined): Promise<void> | undefined;
  /** The call ended with `code` (as the handler left it) after `latencyMs`. */
  end(ctx: LiveContext, code: Status, latencyMs: number): void;
  /** The status is about to be sent (with `ctx.trailer`): for the load report. */
  beforeStatus(ctx: LiveContext, ok: boolean): void;
  /** `ctx.reportLoad`. */
  reportLoad(load: AppLoad): void;
  /** A handler threw something that is not an `RpcError`. */
  onHandlerError(error: unknown, path: string): void;
}

interface StatusObject {
  code: Status;
  details: string;
  metadata: grpc.Metadata;
}

/** Sends a failed call's status, the way of its call kind. */
type Fail = (status: StatusObject) => void;

/**
 * Turns an async handler (Promise / async iterable) into the callback-and-stream function
 * grpc-js calls. Errors other than `RpcError` become INTERNAL with a generic message: the
 * caller never sees a stack trace.
 */
export function adaptHandler(
  method: MethodDescriptor,
  codec: MethodCodec,
  handler: UntypedHandler,
  hooks: CallHooks,
): grpc.UntypedHandleCall {
  const call = handler as (input: unknown, ctx: LiveContext) => unknown;
  const output = (message: unknown): unknown => {
    const problem = codec.checkResponse(message);
    if (problem === undefined) return message;
    const details = `handler of ${method.path} returned an invalid ${codec.responseType}: ${problem}`;
    hooks.onHandlerError(new TypeError(details), method.path);
    throw new RpcError(Status.INTERNAL, details);
  };
  /** Runs the handler part inside the interceptors (none: directly). */
  const intercepted = (ctx: LiveContext, inner: () => Promise<unknown>): Promise<unknown> =>
    hooks.interceptors.length === 0 ? inner() : runChain(hooks.interceptors, { method, ctx }, inner);
  /** The trailer to send with a successful response. */
  const okTrailer = (ctx: LiveContext) => {
    hooks.beforeStatus(ctx, true);
    return ctx.trailer;
  };
  const serve = async (
    ctx: LiveContext,
    answer: DeadlineAnswer | undefined,
    body: (ctx: LiveContext) => Promise<void>,
    fail: Fail,
  ) => {
    const started = performance.now();
    let code = Status.OK;
    hooks.begin(ctx);
    const work = admitThenRun(ctx, answer, body);
    try {
      await (answer === undefined ? work : Promise.race([work, answer.due]));
    } catch (error) {
      hooks.beforeStatus(ctx, false);
      const status = toStatus(error, ctx, method.path, hooks);
      code = status.code;
      fail(status);
    } finally {
      answer?.cancel();
      // The caller has its answer; the handler's slot is held until the handler is done.
      if (answer?.fired) await work.catch(() => {});
      hooks.end(ctx, code, performance.now() - started);
    }
  };
  const admitThenRun = async (
    ctx: LiveContext,
    answer: DeadlineAnswer | undefined,
    body: (ctx: LiveContext) => Promise<void>,
  ) => {
    const admitted = hooks.admit?.(ctx, answer?.handled.deadline);
    if (admitted !== undefined) await admitted;
    await body(ctx);
  };
  /**
   * The call's context becomes the handled call of its interceptors, its handler and all
   * they start (streams included: a generator's body runs inside `writeAll`), so the
   * clients they call inherit its deadline and cancellation. When the node answers for the
   * handler before the deadline, the clients inherit that earlier time.
   */
  const run = (surface: IncomingCall, body: (ctx: LiveContext) => Promise<void>, fail: Fail) => {
    const ctx = createCallContext(surface, method.path, hooks.reportLoad);
    const answer = answerBeforeDeadline(ctx, hooks.deadlineMarginMs);
    return runHandling(answer?.handled ?? ctx, serve, ctx, answer, body, fail);
  };

  if (!method.requestStream && !method.responseStream) {
    return (surface: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) =>
      void run(
        surface,
        async (ctx) => {
          const response = await intercepted(ctx, async () => output(await call(input(surface.request), ctx)));
          callback(null, response, okTrailer(ctx));
        },
        (status) => callback(status),
      );
  }
  if (!method.requestStream) {
    return (surface: grpc.ServerWritableStream<unknown, unknown>) =>
      void run(
        surface,
        async (ctx) => {
          await intercepted(ctx, () => writeAll(surface, call(input(surface.request), ctx), ctx, method.path, output));
          surface.end(okTrailer(ctx));
        },
        (status) => surface.emit('error', status),
      );
  }
  if (!method.responseStream) {
    return (surface: grpc.ServerReadableStream<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) =>
      void run(
        surface,
        async (ctx) => {
          const response = await intercepted(ctx, async () => output(await call(readAll(surface, ctx), ctx)));
          callback(null, response, okTrailer(ctx));
        },
        (status) => callback(status),
      );
  }
  return (surface: grpc.ServerDuplexStream<unknown, unknown>) =>
    void run(
      surface,
      async (ctx) => {
        await intercepted(ctx, () => writeAll(surface, call(readAll(surface, ctx), ctx), ctx, method.path, output));
        surface.end(okTrailer(ctx));
      },
      (status) => surface.emit('error', status),
    );
}

/**
 * The request stream as an async iterable that throws the call's CANCELLED when the caller
 * cancels. It must not destroy the stream when the requests end: a bidi call still has its
 * responses and status to send.
 */
async function* readAll(stream: Readable, ctx: LiveContext): AsyncGenerator<unknown> {
  try {
    for await (const message of stream.iterator({ destroyOnReturn: false })) yield input(message);
  } catch (error) {
    throw ctx.signal.aborted ? ctx.signal.reason : error;
  }
  // A stream destroyed by a cancel can end the loop without an error: not a finished upload.
  if (ctx.signal.aborted) throw ctx.signal.reason;
}

/** A decoded request; bytes that did not decode fail the call with INVALID_ARGUMENT. */
function input(message: unknown): unknown {
  if (message instanceof UndecodableMessage) throw new RpcError(Status.INVALID_ARGUMENT, message.message);
  return message;
}

async function writeAll(
  stream: Writable,
  messages: unknown,
  ctx: LiveContext,
  path: string,
  output: (m: unknown) => unknown,
) {
  if (!isAsyncIterable(messages)) {
    throw new TypeError(
      `handler of ${path} must return an async iterable (an async generator), got ${typeof messages}`,
    );
  }
  await writeStream(stream, messages, ctx.signal, output);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

function toStatus(error: unknown, ctx: LiveContext, path: string, hooks: CallHooks): StatusObject {
  if (error instanceof RpcError) {
    const metadata = ctx.trailer.clone();
    metadata.merge(error.metadata);
    return { code: error.code, details: error.details, metadata };
  }
  if (!ctx.signal.aborted) hooks.onHandlerError(error, path);
  return { code: Status.INTERNAL, details: `handler of ${path} failed`, metadata: ctx.trailer };
}
