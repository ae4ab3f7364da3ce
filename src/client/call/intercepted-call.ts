import { runChain } from '../../common/interceptor-chain.js';
import { toMetadata } from '../../common/metadata.js';
import { RpcError } from '../../common/rpc-error.js';
import { Status } from '../../common/status.js';
import type { MethodDescriptor } from '../../schema/descriptor.js';
import type { ClientCall, ClientInterceptor } from '../api/client-interceptor.js';
import type { CallOptions } from '../api/call-options.js';

/** The call as interceptors see it, with (a copy of) its metadata they may add to. */
function clientCall(method: MethodDescriptor, options: CallOptions): ClientCall {
  return { method, metadata: toMetadata(options.metadata), options };
}

/** A unary or client-stream call run inside the interceptors. */
export function interceptedPromise(
  interceptors: readonly ClientInterceptor[],
  method: MethodDescriptor,
  options: CallOptions = {},
  run: (options: CallOptions) => Promise<unknown>,
): Promise<unknown> {
  const call = clientCall(method, options);
  return runChain(interceptors, call, () => run({ ...options, metadata: call.metadata }));
}

/**
 * A server-stream or bidi call run inside the interceptors: the chain runs while the caller
 * iterates, each message handed over as the caller asks for it; `next()` resolves when
 * the stream has ended. A caller that stops early ends the chain with CANCELLED.
 */
export function interceptedStream(
  interceptors: readonly ClientInterceptor[],
  method: MethodDescriptor,
  options: CallOptions = {},
  open: (options: CallOptions) => AsyncIterable<unknown>,
): AsyncIterable<unknown> {
  return {
    async *[Symbol.asyncIterator]() {
      const handoff = new Handoff();
      const call = clientCall(method, options);
      // Cancels the underlying call when the caller stops early, even while the chain waits
      // for the next message rather than for the caller.
      const stop = new AbortController();
      const signal = options.signal === undefined ? stop.signal : AbortSignal.any([stop.signal, options.signal]);
      const chain = runChain(interceptors, call, async () => {
        for await (const message of open({ ...options, metadata: call.metadata, signal })) await handoff.put(message);
      }).then(
        () => handoff.close(undefined),
        (error: unknown) => handoff.close(error),
      );
      try {
        for (;;) {
          const next = await handoff.take();
          if (next.done) return;
          yield next.value;
        }
      } finally {
        handoff.abandon();
        stop.abort();
        await chain;
      }
    },
  };
}

/** One message at a time from the chain to the caller, with back-pressure both ways. */
class Handoff {
  private waitingTaker: ((result: IteratorResult<unknown>) => void) | undefined;
  private failTaker: ((error: unknown) => void) | undefined;
  private waitingPutter: { value: unknown; resolve: () => void; reject: (error: unknown) => void } | undefined;
  private ended: { error: unknown } | undefined;
  private abandoned = false;

  put(value: unknown): Promise<void> {
    if (this.abandoned) return Promise.reject(new RpcError(Status.CANCELLED, 'stream closed by the caller'));
    return new Promise((resolve, reject) => {
      if (this.waitingTaker !== undefined) {
        const taker = this.waitingTaker;
        this.waitingTaker = undefined;
        taker({ done: false, value });
        resolve();
      } else {
        this.waitingPutter = { value, resolve, reject };
      }
    });
  }

  take(): Promise<IteratorResult<unknown>> {
    const putter = this.waitingPutter;
    if (putter !== undefined) {
      this.waitingPutter = undefined;
      putter.resolve();
      return Promise.resolve({ done: false, value: putter.value });
    }
    if (this.ended !== undefined) {
      return this.ended.error === undefined
        ? Promise.resolve({ done: true, value: undefined })
        : Promise.reject(this.ended.error);
    }
    return new Promise((resolve, reject) => {
      this.waitingTaker = resolve;
      this.failTaker = reject;
    });
  }

  close(error: unknown): void {
    this.ended = { error };
    const taker = this.waitingTaker;
    const fail = this.failTaker;
    this.waitingTaker = undefined;
    this.failTaker = undefined;
    if (taker === undefined) return;
    if (error === undefined) taker({ done: true, value: undefined });
    else fail?.(error);
  }

  abandon(): void {
    this.abandoned = true;
    this.waitingPutter?.reject(new RpcError(Status.CANCELLED, 'stream closed by the caller'));
    this.waitingPutter = undefined;
  }
}
