import { describe, expect, it } from 'vitest';
import { createServer, RpcError, type ServerInterceptor, Status } from 'switchboard';
import { Echo } from '../gen/echo.js';
import { useEchoCluster } from '../helpers/echo-cluster.js';

const cluster = useEchoCluster();

/** The client addresses (host:port: one per connection) the node's calls came from. */
function peerLog(): { interceptor: ServerInterceptor; peers: Set<string> } {
  const peers = new Set<string>();
  return {
    peers,
    interceptor: async ({ ctx }, next) => {
      peers.add(ctx.peer);
      return next();
    },
  };
}

const codeOf = (error: unknown) => (error instanceof RpcError ? Status[error.code] : String(error));

/** A failed call's code; for UNAVAILABLE, which of the two ways a closing connection causes it, or its text. */
function outcomeOf(error: unknown): string {
  if (!(error instanceof RpcError) || error.code !== Status.UNAVAILABLE) return codeOf(error);
  if (error.details.startsWith('Stream refused by server')) return 'UNAVAILABLE refused';
  if (error.details.startsWith('no ready endpoint')) return 'UNAVAILABLE not ready';
  return `UNAVAILABLE ${error.details}`;
}

// Decision 0051. Node's HTTP/2 server (nghttp2 ≥ 1.57, CVE-2023-44487) allows a connection 1,000
// RST_STREAMs from the client, refilled at 33 a second, then sends GOAWAY(INTERNAL_ERROR); every
// call then in flight on it fails INTERNAL. A deadline that passes before the node answers is one
// RST_STREAM. This is the cause, shown with the node's early answer off.
describe('mass deadline expiry on one connection, the node answering only at its deadline', () => {
  it('1,500 expiries in a few seconds: the node closes the connection (calls on it fail INTERNAL)', async () => {
    const log = peerLog();
    const node = await cluster.startNode('busy', { interceptors: [log.interceptor], deadlineMarginMs: 0 });
    const client = cluster.client({ endpoints: [node.address], deadlineMs: 100 });
    await client.ready();
    await client.unary({ text: 'first' }, { deadlineMs: 30_000 });
    const outcomes = new Set<string>();
    for (let wave = 0; wave < 5; wave++) {
      const calls = Array.from({ length: 300 }, (_, i) =>
        client.unary({ text: `late ${wave}.${i}`, delayMs: 60_000 }).then(() => 'OK', outcomeOf),
      );
      for (const outcome of await Promise.all(calls)) outcomes.add(outcome);
    }
    // Which calls were in flight when the GOAWAY came depends on timing; that it came does not. Calls
    // sent after it are refused, and those made while the client reconnects wait for it: with 100 ms
    // deadlines either may run out of time first (UNAVAILABLE, naming which).
    const expected = new Set(['DEADLINE_EXCEEDED', 'INTERNAL', 'UNAVAILABLE refused', 'UNAVAILABLE not ready']);
    expect([...outcomes].filter((outcome) => !expected.has(outcome))).toEqual([]);
    // A call still on the closing session fails too; the client then connects anew.
    const served = () =>
      client.unary({ text: 'after' }, { deadlineMs: 30_000 }).then(
        () => true,
        () => false,
      );
    await expect.poll(served, { timeout: 30_000 }).toBe(true);
    expect(log.peers.size).toBeGreaterThan(1);
  });
});

describe('the node answers DEADLINE_EXCEEDED before the caller’s deadline', () => {
  it('a handler that ignores its deadline: the caller gets the node’s answer, the handler keeps its slot', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const reasons: unknown[] = [];
    const server = createServer({ nodeId: 'slow', deadlineMarginMs: 9_000, onHandlerError: () => {} });
    server.add(Echo, {
      async unary(req, ctx) {
        ctx.signal.addEventListener('abort', () => reasons.push(ctx.signal.reason), { once: true });
        await released;
        return { text: req.text, nodeId: 'slow' };
      },
    });
    const { address } = await server.listen('127.0.0.1:0');
    try {
      const client = cluster.client({ endpoints: [address] });
      const error = await client.unary({ text: 'slow' }, { deadlineMs: 10_000 }).then(
        () => undefined,
        (e) => e,
      );
      expect(error).toMatchObject({
        code: Status.DEADLINE_EXCEEDED,
        details: expect.stringContaining("9000 ms before the caller's deadline (the node answered for it)"),
      });
      expect(reasons).toMatchObject([{ code: Status.DEADLINE_EXCEEDED }]);
      expect(server.inFlight).toBe(1);
      release();
      await expect.poll(() => server.inFlight).toBe(0);
      expect(server.stats().methods.find((m) => m.path === '/test.echo.Echo/Unary')).toMatchObject({
        failuresByCode: { DEADLINE_EXCEEDED: 1 },
      });
      await expect(client.unary({ text: 'again' }, { deadlineMs: 20_000 })).resolves.toMatchObject({ text: 'again' });
    } finally {
      release();
      await server.shutdown({ graceMs: 0 });
    }
  });

  it('refuses a negative or non-finite deadlineMarginMs, naming it', () => {
    expect(() => createServer({ nodeId: 'n', deadlineMarginMs: -1 })).toThrow(
      'createServer(n): deadlineMarginMs must be 0 or more, got -1',
    );
    expect(() => createServer({ nodeId: 'n', deadlineMarginMs: Number.NaN })).toThrow('got NaN');
  });
});
