// Deadline propagation across hops on a chain of real nodes: A's handler calls B through a
// client, B's calls C. Each hop answers with what it saw (its deadline, when its handler
// started, when it called the next hop), so the inherited deadline is checked exactly: the
// deadline a node sees is the one its caller's client used plus the time the call took to
// arrive (grpc-timeout is relative), and that time lies between the caller's "sent" and the
// callee's "arrived".
import { EventEmitter, once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CallOptions,
  type Client,
  type ClientOptions,
  createClient,
  createServer,
  RpcError,
  Status,
} from 'switchboard';
import { INHERITED_DEADLINE_MARGIN_MS as MARGIN } from '../../src/client/call/inherited-deadline.js';
import { Echo } from '../gen/echo.js';

/** What one hop saw of the call it served. */
interface Hop {
  readonly id: string;
  readonly deadline: number | undefined;
  readonly arrived: number;
  /** When it called the next hop (none at the bottom). */
  readonly sent?: number;
}

const HOLD_MS = 5000;
/** Each hop answers for its handler this long before its deadline; its clients inherit that time. */
const NODE_MARGIN_MS = 10;
const servers: { shutdown(o: { graceMs: number }): Promise<void> }[] = [];
const clients: Client<typeof Echo>[] = [];
/**
 * C's handler says `held` when it starts holding a call, and `released` when it stops:
 * because the call's signal aborted (`true`, with the reason) or after `HOLD_MS` (`false`).
 */
const bottom = new EventEmitter();
/** What a middle hop's call to the next one failed with, by hop id. */
const failed = new Map<string, RpcError>();
/** Calls that reached each hop's handler. */
const reached: Record<string, number> = {};

beforeEach(() => failed.clear());
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.shutdown({ graceMs: 0 })));
});

function client(address: string, options: Omit<ClientOptions<typeof Echo>, 'endpoints'> = {}): Client<typeof Echo> {
  const made = createClient(Echo, { endpoints: [address], ...options });
  clients.push(made);
  return made;
}

/**
 * A hop: without `next` the bottom of the chain, else it calls `next` (with `callOptions`)
 * from its unary, server-stream and bidi handlers. `late` requests wait for the hop's own
 * deadline to pass before calling on; `after` ones call on once the handler's call has ended.
 */
async function startHop(id: string, next?: Client<typeof Echo>, callOptions?: CallOptions): Promise<string> {
  reached[id] = 0;
  const server = createServer({ nodeId: id, onHandlerError: () => {}, deadlineMarginMs: NODE_MARGIN_MS });
  servers.push(server);
  const serve = async (text: string, deadline: Date | undefined, signal: AbortSignal): Promise<Hop[]> => {
    reached[id]!++;
    const seen = { id, deadline: deadline?.getTime(), arrived: Date.now() };
    if (next === undefined) {
      if (text === 'hold') {
        bottom.emit('held');
        // Bounded, so a cancel that never arrives fails the test rather than hanging it.
        const cancelled = await sleep(HOLD_MS, undefined, { signal }).then(
          () => false,
          () => true,
        );
        bottom.emit('released', cancelled, signal.reason);
      }
      return [seen];
    }
    if (text === 'after') {
      // Work the handler leaves behind, started once its call has ended (which aborts its signal).
      void once(signal, 'abort')
        .then(() => next.unary({ text: 'x' }, callOptions))
        .catch((error: unknown) => failed.set(`${id} after`, error as RpcError));
      return [seen];
    }
    if (text === 'late') await once(signal, 'abort');
    const sent = Date.now();
    try {
      const reply = await next.unary({ text }, callOptions);
      return [{ ...seen, sent }, ...(JSON.parse(reply.text) as Hop[])];
    } catch (error) {
      if (error instanceof RpcError) failed.set(id, error);
      throw error;
    }
  };
  server.add(Echo, {
    unary: async (req, ctx) => ({ text: JSON.stringify(await serve(req.text, ctx.deadline, ctx.signal)) }),
    async *serverStream(req, ctx) {
      // Each message's call starts after a yield: the handled call must hold across them.
      for (let index = 0; index < req.count; index++) {
        yield { text: JSON.stringify(await serve(req.text, ctx.deadline, ctx.signal)), index };
      }
    },
    async *bidi(requests, ctx) {
      for await (const req of requests) yield { text: JSON.stringify(await serve(req.text, ctx.deadline, ctx.signal)) };
    },
  });
  return (await server.listen('127.0.0.1:0')).address;
}

/**
 * Checks that each hop's deadline is when its caller's node answers (its deadline less the node's
 * margin) less the client's margin, up to the time the call took to arrive.
 */
function expectInherited(hops: readonly Hop[]): void {
  for (let i = 1; i < hops.length; i++) {
    const caller = hops[i - 1]!;
    const callee = hops[i]!;
    const used = caller.deadline! - NODE_MARGIN_MS - MARGIN;
    expect(callee.deadline, `${callee.id}'s deadline`).toBeGreaterThanOrEqual(used);
    expect(callee.deadline, `${callee.id}'s deadline`).toBeLessThanOrEqual(used + (callee.arrived - caller.sent!));
  }
}

describe('deadline propagation across hops', () => {
  let c: string;
  let top: Client<typeof Echo>;
  beforeAll(async () => {
    c = await startHop('C');
    const b = await startHop('B', client(c));
    top = client(await startHop('A', client(b)));
    await top.ready();
  });

  it('gives C the top deadline less a margin per hop, in unary, server-stream and bidi handlers', async () => {
    const before = Date.now();
    const hops = JSON.parse((await top.unary({ text: 'x' }, { deadlineMs: 5000 })).text) as Hop[];
    expect(hops.map((h) => h.id)).toEqual(['A', 'B', 'C']);
    expectInherited(hops);
    expect(hops[2]!.deadline).toBeLessThanOrEqual(
      hops[0]!.deadline! - 2 * (NODE_MARGIN_MS + MARGIN) + (hops[2]!.arrived - before),
    );

    const streamed: Hop[][] = [];
    for await (const reply of top.serverStream({ text: 's', count: 3 }, { deadlineMs: 5000 })) {
      streamed.push(JSON.parse(reply.text) as Hop[]);
    }
    for await (const reply of top.bidi([{ text: 'b1' }, { text: 'b2' }], { deadlineMs: 5000 })) {
      streamed.push(JSON.parse(reply.text) as Hop[]);
    }
    expect(streamed).toHaveLength(5);
    for (const chain of streamed) {
      expect(chain.map((h) => h.id)).toEqual(['A', 'B', 'C']);
      expectInherited(chain);
    }
  });

  it('cancels C when the top caller aborts', async () => {
    const controller = new AbortController();
    const held = once(bottom, 'held');
    const released = once(bottom, 'released');
    const call = top.unary({ text: 'hold' }, { signal: controller.signal }).catch((e: unknown) => e);
    await held;
    controller.abort();
    const [cancelled, reason] = (await released) as [boolean, RpcError];
    expect(cancelled).toBe(true);
    expect(reason.code).toBe(Status.CANCELLED);
    expect(((await call) as RpcError).code).toBe(Status.CANCELLED);
  });

  it('fails a call at once with DEADLINE_EXCEEDED, naming the inherited deadline, when it has passed', async () => {
    const reachedB = reached.B;
    const error = (await top.unary({ text: 'late' }, { deadlineMs: 50 }).catch((e: unknown) => e)) as RpcError;
    expect(error.code).toBe(Status.DEADLINE_EXCEEDED);
    await expect.poll(() => failed.get('A')?.code).toBe(Status.DEADLINE_EXCEEDED);
    const { message } = failed.get('A')!;
    const path = '/test.echo.Echo/Unary';
    expect(message).toContain(
      `${path} DEADLINE_EXCEEDED: the deadline inherited from ${path} (the call being handled) `,
    );
    // A's signal aborts when its deadline timer fires or the top's cancel arrives, whichever is first: either
    // may come a moment before A's deadline (grpc-timeout is relative), which then has a little time left.
    expect(message).toMatch(/ (passed \d+ ms ago|has \d ms left, within the 5 ms kept for its answer)$/);
    expect(reached.B).toBe(reachedB);
  });

  it('names the inherited deadline when it passes during a call', async () => {
    const released = once(bottom, 'released');
    const error = (await top.unary({ text: 'hold' }, { deadlineMs: 200 }).catch((e: unknown) => e)) as RpcError;
    expect(error.code).toBe(Status.DEADLINE_EXCEEDED);
    await released;
    // B's call to C ends first: its deadline is B's own less the margin, and B's comes from A's less the margin.
    await expect.poll(() => failed.get('B')?.code).toBe(Status.DEADLINE_EXCEEDED);
    expect(failed.get('B')!.details).toMatch(
      /: the deadline inherited from \/test\.echo\.Echo\/Unary \(the call being handled\)$/,
    );
  });

  it('leaves a call made outside any handler alone, while a handled call is in progress', async () => {
    const controller = new AbortController();
    const held = once(bottom, 'held');
    const released = once(bottom, 'released');
    const chain = top.unary({ text: 'hold' }, { deadlineMs: 5000, signal: controller.signal }).catch(() => {});
    await held;
    const [hop] = JSON.parse((await client(c).unary({ text: 'x' })).text) as Hop[];
    expect(hop!.deadline).toBeUndefined();
    controller.abort();
    await Promise.all([chain, released]);
  });

  it('fails a call a handler starts after its call has ended with CANCELLED, saying how to outlive it', async () => {
    const reachedB = reached.B;
    await top.unary({ text: 'after' });
    await expect.poll(() => failed.get('A after')?.code).toBe(Status.CANCELLED);
    expect(failed.get('A after')!.message).toContain(
      'the call being handled, was cancelled or has ended before this call started ' +
        '(a call that must outlive it needs inheritDeadline: false)',
    );
    expect(reached.B).toBe(reachedB);
  });
});

describe('opting out of deadline propagation', () => {
  let c: string;
  const callerOf: Partial<Record<'perClient' | 'perCall', Client<typeof Echo>>> = {};
  beforeAll(async () => {
    c = await startHop('C2');
    const perClient = await startHop('B2', client(c, { inheritDeadline: false, deadlineMs: 30_000 }));
    const perCall = await startHop('B3', client(c, { deadlineMs: 30_000 }), { inheritDeadline: false });
    callerOf.perClient = client(perClient);
    callerOf.perCall = client(perCall);
  });

  it.each(['perClient', 'perCall'] as const)('%s: the next hop gets the client own deadline', async (way) => {
    const before = Date.now();
    const [, hop] = JSON.parse((await callerOf[way]!.unary({ text: 'x' }, { deadlineMs: 1000 })).text) as Hop[];
    expect(hop!.deadline).toBeGreaterThanOrEqual(before + 29_000);
  });

  it('rejects an inheritDeadline that is not a boolean, naming it', () => {
    expect(() => createClient(Echo, { endpoints: [c], inheritDeadline: 'no' as unknown as boolean })).toThrow(
      'createClient(test.echo.Echo): inheritDeadline must be true or false, got no',
    );
  });
});
