import type { HandledCall } from '../common/handled-call.js';
import { RpcError } from '../common/rpc-error.js';
import { Status } from '../common/status.js';
import type { LiveContext } from './call-context.js';

/**
 * The node answers DEADLINE_EXCEEDED itself, `margin` before a call's deadline, when its
 * handler has not answered by then (docs/decisions/0051-answer-before-the-deadline.md):
 *
 *   answer at  deadline − margin,   margin = clamp(timeout / 10, 5 ms, 50 ms)   (or `deadlineMarginMs`)
 *
 * Why: a caller whose deadline passes first resets the stream (RST_STREAM), and Node's
 * HTTP/2 server (nghttp2 ≥ 1.57, the CVE-2023-44487 "rapid reset" guard) allows a connection
 * 1,000 resets, refilled at 33 a second, then closes it with GOAWAY(INTERNAL_ERROR): every
 * call in flight on it fails INTERNAL. Node 20 has no setting for that limit. A stream the
 * node ends with a status is not reset, so answering first keeps the connection. The node's
 * deadline is its arrival plus the caller's timeout, later than the caller's own by the
 * trip there; the margin covers that trip and the answer's trip back.
 */
export class DeadlineAnswer {
  #timer: NodeJS.Timeout | undefined;
  #fired = false;
  /** Rejects with DEADLINE_EXCEEDED when the answer is due (never resolves). */
  readonly due: Promise<never>;
  /**
   * The call as the clients its handler calls see it: its deadline is when the node answers
   * for it, so their calls end (their nodes answer) before that (common/handled-call.ts).
   */
  readonly handled: HandledCall;

  constructor(ctx: LiveContext, atMs: number, marginMs: number) {
    this.handled = { path: ctx.path, deadline: new Date(atMs), signal: ctx.signal };
    this.due = new Promise<never>((_, reject) => {
      this.#timer = setTimeout(() => {
        this.#fired = true;
        const reason = new RpcError(
          Status.DEADLINE_EXCEEDED,
          `${ctx.path}: no answer ${marginMs.toFixed(0)} ms before the caller's deadline (the node answered for it)`,
        );
        ctx.abort(reason);
        reject(reason);
      }, atMs - Date.now());
    });
    // Nobody may be listening when the handler wins; the rejection is then of no interest.
    this.due.catch(() => {});
  }

  /** Whether the node answered for the handler. */
  get fired(): boolean {
    return this.#fired;
  }

  cancel(): void {
    clearTimeout(this.#timer);
  }
}

const MIN_MARGIN_MS = 5;
const MAX_MARGIN_MS = 50;

/**
 * The watch of a call's deadline (undefined when it has none, or `marginMs` is 0): `marginMs`
 * given, or the default margin of the call's timeout as it stands on arrival.
 */
export function answerBeforeDeadline(ctx: LiveContext, marginMs: number | undefined): DeadlineAnswer | undefined {
  const deadline = ctx.deadline?.getTime();
  if (deadline === undefined || marginMs === 0) return undefined;
  const margin = marginMs ?? Math.min(MAX_MARGIN_MS, Math.max(MIN_MARGIN_MS, (deadline - Date.now()) / 10));
  return new DeadlineAnswer(ctx, deadline - margin, margin);
}
