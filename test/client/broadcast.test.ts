import { describe, expect, it, vi } from 'vitest';
import { aggregate, quorum, RpcError, Status } from 'switchboard';
import { useEchoCluster } from '../helpers/echo-cluster.js';

describe('client.broadcast', () => {
  const cluster = useEchoCluster();

  it('calls every ready node once, each with its own deadline, and reports each outcome', async () => {
    // node-1 is too slow for the per-node deadline, node-2 fails.
    const nodes = await cluster.start(3, (i) => ({
      serviceMs: i === 1 ? 2000 : 0,
      failWith: i === 2 ? Status.RESOURCE_EXHAUSTED : undefined,
    }));
    const client = cluster.client();
    await client.ready({ all: true });
    const started = Date.now();
    const results = await client.broadcast.unary({ text: 'ping' }, { deadlineMs: 300 });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(results.map((r) => [r.node.id, r.node.address, r.ok])).toEqual([
      ['node-0', nodes[0]!.address, true],
      ['node-1', nodes[1]!.address, false],
      ['node-2', nodes[2]!.address, false],
    ]);
    const [ok, slow, failing] = results;
    expect(ok!.ok && ok!.value).toEqual({ text: 'ping', nodeId: 'node-0', index: 0 });
    expect(!slow!.ok && slow!.error.code).toBe(Status.DEADLINE_EXCEEDED);
    expect(!failing!.ok && failing!.error.message).toContain('on node-2');
    expect(slow!.latencyMs).toBeGreaterThanOrEqual(250);
    expect(client.stats().endpoints.map((e) => e.calls)).toEqual([1, 1, 1]);

    expect(quorum(results, 1).map((r) => r.value.nodeId)).toEqual(['node-0']);
    expect(() => quorum(results, 2)).toThrow(
      'quorum of 2 not reached: 1 of 3 nodes succeeded; node-1: DEADLINE_EXCEEDED, node-2: RESOURCE_EXHAUSTED',
    );
    const summary = aggregate(results, (ids: string[], reply) => [...ids, reply.nodeId], []);
    expect(summary).toMatchObject({ value: ['node-0'], succeeded: 1, failed: 2 });
    expect(summary.errors.map((e) => e.node.id)).toEqual(['node-1', 'node-2']);
  });

  it('gives the k fastest successes as the quorum', async () => {
    await cluster.start(3, (i) => ({ serviceMs: [150, 0, 50][i] }));
    const client = cluster.client();
    await client.ready({ all: true });
    const results = await client.broadcast.unary({ text: 'x' }, { deadlineMs: 2000 });
    expect(quorum(results, 2).map((r) => r.node.id)).toEqual(['node-1', 'node-2']);
    const total = aggregate(results, (sum: number, reply) => sum + reply.text.length, 0);
    expect(total.value).toBe(3);
  });

  it('offers only unary methods and skips nodes that are down', async () => {
    const nodes = await cluster.start(2);
    const client = cluster.client();
    await client.ready({ all: true });
    // @ts-expect-error server streams cannot be broadcast
    expect(client.broadcast.serverStream).toBeUndefined();
    await nodes[1]!.server.shutdown({ graceMs: 0 });
    await vi.waitFor(() => expect(client.stats().endpoints[1]!.state).not.toBe('ready'), {
      timeout: 5000,
      interval: 10,
    });
    const results = await client.broadcast.write({ text: 'w' });
    expect(results.map((r) => r.node.id)).toEqual(['node-0']);
    expect(quorum(results, 1)[0]!.value).toMatchObject({ nodeId: 'node-0' });
    expect(() => quorum([], 1)).toThrow(RpcError);
  });
});
