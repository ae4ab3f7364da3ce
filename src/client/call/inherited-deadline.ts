import type { HandledCall } from '../../common/handled-call.js';
import { RpcError } from '../../common/rpc-error.js';
import { Status } from '../../common/status.js';

/**
 * Deadline propagation across hops: a call made while a handler runs inherits the deadline
 * and the cancellation of the call that handler serves, as grpc-go and grpc-java pass both
 * on through their Context (here AsyncLocalStorage carries it: common/handled-call.ts).
 *
 *   deadline = min(own deadline, inherited deadline − margin)
 *   signal   = any(own signal, the handled call's signal)
 *
 * The margin leaves the handler time to hear its own call's DEADLINE_EXCEEDED and answer
 * its caller (with an error that names the hop, or a fallback) before that caller gives
 * up: without it both deadlines pass at the same moment and the handler's answer is lost
 * on the way. 5 ms covers a loopback or same-zone round trip and a busy event loop's
 * delay; each hop takes it again, so a chain of n hops ends n × 5 ms early at the bottom.
 * An inherited deadline that leaves no more than the margin fails the call at once:
 * nothing is sent that could not come back in time.
 */
export const INHERITED_DEADLINE_MARGIN_MS = 5;

/** The deadline (ms since epoch) of a call of `path` with deadline `own` made while `handled` runs. */
export function inheritedDeadline(own: number | undefined, handled: HandledCall, path: string): number | undefined {
  const deadline = handled.deadline;
  if (deadline === undefined) return own;
  const inherited = deadline.getTime() - INHERITED_DEADLINE_MARGIN_MS;
  if (own !== undefined && own <= inherited) return own;
  const now = Date.now();
  if (inherited <= now) {
    const remaining = deadline.getTime() - now;
    const left =
      remaining <= 0
        ? `passed ${-remaining} ms ago`
        : `has ${remaining} ms left, within the ${INHERITED_DEADLINE_MARGIN_MS} ms kept for its answer`;
    throw new RpcError(
      Status.DEADLINE_EXCEEDED,
      `the deadline inherited from ${handled.path} (the call being handled) ${left}`,
      undefined,
      { path },
    );
  }
  return inherited;
}

/** The signal of a call of `path` whose own signal is `own`, made while `handled` runs. */
export function inheritedSignal(own: AbortSignal | undefined, handled: HandledCall, path: string): AbortSignal {
  const signal = handled.signal;
  if (signal.aborted) {
    // A handler's signal also aborts once its call has ended: work that outlives the call lands here.
    const details =
      `${handled.path}, the call being handled, was cancelled or has ended before this call started ` +
      '(a call that must outlive it needs inheritDeadline: false)';
    throw new RpcError(Status.CANCELLED, details, undefined, { path });
  }
  return own === undefined ? signal : AbortSignal.any([own, signal]);
}
