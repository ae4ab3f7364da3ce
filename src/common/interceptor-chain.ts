/** A middleware: runs around the rest of the chain, which `next()` runs. */
export type Interceptor<C> = (call: C, next: () => Promise<unknown>) => Promise<unknown>;

/**
 * Runs `inner` inside the interceptors, the first one outermost (koa / nice-grpc order).
 * An interceptor may act before and after `next()`, replace its result, or not call it at
 * all (short-circuit); calling it twice is an error.
 */
export function runChain<C>(
  interceptors: readonly Interceptor<C>[],
  call: C,
  inner: () => Promise<unknown>,
): Promise<unknown> {
  let reached = -1;
  const dispatch = (index: number): Promise<unknown> => {
    if (index <= reached) return Promise.reject(new Error('interceptor called next() more than once'));
    reached = index;
    const interceptor = interceptors[index];
    return interceptor === undefined ? inner() : interceptor(call, () => dispatch(index + 1));
  };
  return dispatch(0);
}
