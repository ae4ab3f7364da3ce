import { describe, expect, it } from 'vitest';
import type { LiveContext } from '../../src/server/call-context.js';
import { ConcurrencyLimit } from '../../src/server/concurrency-limit.js';
import { RpcError, Status } from 'switchboard';

/** The part of a call's context admission reads. */
function context(): LiveContext {
  return { cancelled: false, deadline: undefined, signal: new AbortController().signal } as unknown as LiveContext;
}

/**
 * A node of 4 workers taking `serviceMs` a call, offered more calls than it admits for `ms`:
 * a call admitted as the n-th in flight holds its slot ⌈n / 4⌉ · serviceMs. Returns the
 * limits seen.
 */
function drive(limit: ConcurrencyLimit, clock: { t: number }, serviceMs: number, ms: number): number[] {
  const running: { ctx: LiveContext; endsAt: number }[] = [];
  const seen: number[] = [];
  const end = clock.t + ms;
  while (clock.t < end) {
    for (;;) {
      const ctx = context();
      try {
        limit.admit(ctx);
      } catch {
        break;
      }
      running.push({ ctx, endsAt: clock.t + Math.ceil((running.length + 1) / 4) * serviceMs });
    }
    running.sort((a, b) => a.endsAt - b.endsAt);
    const next = running.shift()!;
    clock.t = next.endsAt;
    limit.release(next.ctx);
    seen.push(limit.limit);
  }
  for (const call of running) limit.release(call.ctx);
  return seen;
}

describe('ConcurrencyLimit (adaptive) on the time calls hold their slot', () => {
  it('shrinks when the handling time rises and grows back when it falls', () => {
    const clock = { t: 0 };
    const limit = new ConcurrencyLimit(
      'n',
      { maxConcurrentCalls: { initial: 4, probeIntervalMs: 1e9 }, maxQueuedCalls: 0 },
      () => clock.t,
    );
    // 2 ms calls: one worker's queue of about 2 tolerated (2 × the no-load 2 ms), 4 workers.
    const fast = drive(limit, clock, 2, 3000);
    const settled = limit.limit;
    expect(Math.max(...fast)).toBeGreaterThan(4);
    expect(settled).toBeGreaterThanOrEqual(6);
    expect(settled).toBeLessThanOrEqual(14);
    // The handler turns 10x slower: every call takes over 2 × the no-load time; the limit
    // falls to where halving it and adding its square root gives it back (4).
    drive(limit, clock, 20, 6000);
    expect(limit.limit).toBe(4);
    expect(limit.stats().handlingMs).toBeGreaterThanOrEqual(20);
    // Fast again: it grows back to where it settled.
    drive(limit, clock, 2, 3000);
    expect(limit.limit).toBeGreaterThanOrEqual(settled - 2);
    expect(limit.limit).toBeLessThanOrEqual(settled + 2);
    expect(limit.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it('is the fixed number given, with a queue of 0 by default', () => {
    const limit = new ConcurrencyLimit('n', { maxConcurrentCalls: 2 });
    const calls = [context(), context()];
    for (const ctx of calls) expect(limit.admit(ctx)).toBeUndefined();
    expect(() => limit.admit(context())).toThrow('node n is at its limit of 2 concurrent calls');
    expect(limit.stats()).toMatchObject({ limit: 2, running: 2, refused: { queueFull: 1, deadline: 0, codel: 0 } });
  });

  it('backs off on a call the node answered DEADLINE_EXCEEDED for before its deadline', () => {
    const limit = new ConcurrencyLimit('n', { maxConcurrentCalls: { initial: 10, min: 1 } });
    const controller = new AbortController();
    const deadline = new Date(Date.now() + 60_000);
    const ctx = { cancelled: true, deadline, signal: controller.signal } as unknown as LiveContext;
    expect(limit.admit(ctx)).toBeUndefined();
    // What deadline-answer.ts does at deadline − margin; the caller's deadline itself is far off.
    controller.abort(new RpcError(Status.DEADLINE_EXCEEDED, 'answered by the node'));
    limit.release(ctx);
    expect(limit.limit).toBe(9);
    // A call its caller cancelled says nothing of the node's speed.
    const other = new AbortController();
    const cancelled = { cancelled: true, deadline, signal: other.signal } as unknown as LiveContext;
    limit.admit(cancelled);
    other.abort(new RpcError(Status.CANCELLED, 'the caller left'));
    limit.release(cancelled);
    expect(limit.limit).toBe(9);
  });
});
