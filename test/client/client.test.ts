import { createServer as createTcpServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Client, createClient, createServer, RpcError, Status } from 'switchboard';
import { Echo } from '../gen/echo.js';
import { useEchoCluster } from '../helpers/echo-cluster.js';
import { rejection } from '../helpers/rejection.js';

describe('client against real nodes', () => {
  const cluster = useEchoCluster();
  let client: Client<typeof Echo>;

  beforeAll(async () => {
    await cluster.start(2);
    client = cluster.client({ deadlineMs: 5000 });
    await client.ready({ all: true });
  });

  it('makes unary calls and learns node ids from the nodes', async () => {
    const replies = await Promise.all([1, 2, 3, 4].map((i) => client.unary({ text: `t${i}` })));
    expect(replies.map((r) => r.text)).toEqual(['t1', 't2', 't3', 't4']);
    expect(new Set(replies.map((r) => r.nodeId))).toEqual(new Set(['node-0', 'node-1']));
    const stats = client.stats();
    expect(stats.endpoints.map((e) => e.id).sort()).toEqual(['node-0', 'node-1']);
    expect(stats.calls).toBeGreaterThanOrEqual(4);
    expect(stats.endpoints.every((e) => e.state === 'ready' && e.inFlight === 0)).toBe(true);
  });

  it('sends metadata to the handler', async () => {
    const reply = await client.unary({ text: 'hi' }, { metadata: { 'x-user': 'ada' } });
    expect(reply.text).toBe('hi for ada');
  });

  it('passes an RpcError from a handler with code, details, trailers, and names path and node', async () => {
    const error = await client.unary({ text: 'x', failCode: Status.NOT_FOUND }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    const rpc = error as RpcError;
    expect(rpc.code).toBe(Status.NOT_FOUND);
    expect(rpc.details).toBe('asked to fail by x');
    const node = cluster.nodes.find((n) => n.id === rpc.metadata.get('x-failed-by')[0])!;
    expect(rpc.message).toBe(`/test.echo.Echo/Unary on ${node.id} (${node.address}) NOT_FOUND: asked to fail by x`);
  });

  it('turns any other handler exception into INTERNAL without details or stack', async () => {
    const error = (await client.unary({ text: 'throw' }).catch((e: unknown) => e)) as RpcError;
    expect(error.code).toBe(Status.INTERNAL);
    expect(error.details).toBe('handler of /test.echo.Echo/Unary failed');
    expect(error.message).not.toContain('secret');
  });

  it('streams from the server', async () => {
    const replies = [];
    for await (const reply of client.serverStream({ text: 's', count: 5 })) replies.push(reply);
    expect(replies.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(replies.map((r) => r.nodeId)).size).toBe(1);
  });

  it('streams to the server from an async iterable', async () => {
    async function* names() {
      yield { text: 'a' };
      yield { text: 'b' };
      yield { text: 'c' };
    }
    const reply = await client.clientStream(names());
    expect(reply).toMatchObject({ text: 'a,b,c', index: 3 });
  });

  it('streams both ways', async () => {
    const replies = [];
    for await (const reply of client.bidi([{ text: 'x' }, { text: 'y' }])) replies.push(reply.text);
    expect(replies).toEqual(['X', 'Y']);
  });

  it('fails a call past its deadline with DEADLINE_EXCEEDED, and the handler sees it', async () => {
    const error = (await client
      .unary({ text: 'slow', delayMs: 2000 }, { deadlineMs: 100 })
      .catch((e: unknown) => e)) as RpcError;
    expect(error.code).toBe(Status.DEADLINE_EXCEEDED);
    await expect.poll(() => cluster.nodes.flatMap((n) => n.aborted)).toContain('slow');
  });

  it('cancels a call with an AbortSignal, and the handler sees it', async () => {
    const controller = new AbortController();
    const pending = client.unary({ text: 'cancel-me', delayMs: 2000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = (await pending.catch((e: unknown) => e)) as RpcError;
    expect(error.code).toBe(Status.CANCELLED);
    await expect.poll(() => cluster.nodes.flatMap((n) => n.aborted)).toContain('cancel-me');
  });

  it('stops a server stream when the consumer breaks out early', async () => {
    for await (const reply of client.serverStream({ text: 'early', count: 1000, delayMs: 5 })) {
      if (reply.index === 2) break;
    }
    await expect.poll(() => cluster.nodes.flatMap((n) => n.aborted)).toContain('early');
    await expect.poll(() => client.stats().endpoints.every((e) => e.inFlight === 0)).toBe(true);
  });
});

describe('client failure handling', () => {
  const cluster = useEchoCluster();

  it('lets a call in flight finish at close, and fails calls after it at once with CANCELLED', async () => {
    await cluster.start(1);
    const client = cluster.client();
    await client.ready({ all: true });
    const inFlight = client.unary({ text: 'slow', delayMs: 300 });
    await sleep(50);
    await client.close();
    const started = Date.now();
    const error = await rejection(client.unary({ text: 'late' }));
    expect(Date.now() - started).toBeLessThan(200);
    expect(error.code).toBe(Status.CANCELLED);
    expect(error.message).toMatch(/client of test\.echo\.Echo closed/);
    expect((await inFlight).nodeId).toBe('node-0');
  });

  it('fails with UNAVAILABLE naming the service and the endpoints when none is ready', async () => {
    const client = createClient(Echo, { endpoints: ['127.0.0.1:1'], deadlineMs: 300 });
    const error = (await client.unary({ text: 'x' }).catch((e: unknown) => e)) as RpcError;
    await client.close();
    expect(error.code).toBe(Status.UNAVAILABLE);
    expect(error.message).toMatch(
      /^\/test\.echo\.Echo\/Unary UNAVAILABLE: no ready endpoint for test\.echo\.Echo \(endpoints: 127\.0\.0\.1:1 /,
    );
  });

  it('retries an idempotent call on another node when one answers UNAVAILABLE; not a non-idempotent one', async () => {
    await cluster.startNode('sick', { failWith: Status.UNAVAILABLE });
    await cluster.startNode('healthy');
    // Ejection would take the sick node out; here the retries alone are under test.
    const client = cluster.client({ outlierDetection: false });
    const idempotent = await Promise.allSettled(Array.from({ length: 20 }, () => client.unary({ text: 'i' })));
    expect(idempotent.filter((r) => r.status === 'rejected')).toEqual([]);
    const writes = await Promise.allSettled(Array.from({ length: 20 }, () => client.write({ text: 'w' })));
    const failed = writes.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failed.length).toBeGreaterThan(0);
    expect((failed[0]!.reason as RpcError).message).toContain('on sick');
  });

  it('calls a node on the IPv6 loopback, and one by a name (ipv6: and DNS targets)', async (ctx) => {
    // A host without an IPv6 loopback cannot run this case.
    if (!(await ipv6Loopback())) ctx.skip();
    const nodes = ['six', 'four'].map((id) => {
      const node = createServer({ nodeId: id });
      node.add(Echo, { unary: async (req) => ({ text: req.text, nodeId: id, index: 0 }) });
      return node;
    });
    const six = (await nodes[0]!.listen('[::1]:0')).address;
    const four = (await nodes[1]!.listen('127.0.0.1:0')).address;
    const byAddress = createClient(Echo, { endpoints: [six], deadlineMs: 5000 });
    const byName = createClient(Echo, { endpoints: [four.replace('127.0.0.1', 'localhost')], deadlineMs: 5000 });
    try {
      expect(six).toMatch(/^\[::1\]:\d+$/);
      expect((await byAddress.unary({ text: 'v6' })).nodeId).toBe('six');
      expect(byAddress.stats().endpoints.map((e) => [e.id, e.address])).toEqual([['six', six]]);
      expect((await byName.unary({ text: 'name' })).nodeId).toBe('four');
    } finally {
      await Promise.all([byAddress.close(), byName.close()]);
      await Promise.all(nodes.map((node) => node.shutdown({ graceMs: 0 })));
    }
  });

  it('rejects bad options with errors that name what is wrong', () => {
    expect(() => createClient(Echo, { endpoints: [] })).toThrow(
      'createClient(test.echo.Echo): endpoints must be a non-empty list',
    );
    expect(() => createClient(Echo, { endpoints: ['localhost'] })).toThrow('invalid address "localhost"');
    expect(() => createClient(Echo, { endpoints: ['127.0.0.1:70000'] })).toThrow('invalid address "127.0.0.1:70000"');
    expect(() => createClient(Echo, { endpoints: [{ address: '127.0.0.1:5', weight: -1 }] })).toThrow(
      'weight of 127.0.0.1:5 must be a positive number',
    );
  });
});

/** Whether this host can listen on `::1`. */
function ipv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createTcpServer();
    probe.once('error', () => resolve(false));
    probe.listen(0, '::1', () => probe.close(() => resolve(true)));
  });
}
