import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { balancers, type Client, type ClientOptions, type RpcError, Status } from 'switchboard';
import type { Echo } from '../gen/echo.js';
import { useEchoCluster } from '../helpers/echo-cluster.js';
import type { EchoNodeOptions } from '../helpers/echo-nodes.js';
import { failures, runLoad } from '../helpers/load.js';

describe('resilience on real nodes', () => {
  const cluster = useEchoCluster();

  async function setUp(
    options: (i: number) => EchoNodeOptions,
    clientOptions: Omit<ClientOptions<typeof Echo>, 'endpoints'> = {},
  ) {
    await cluster.start(3, options);
    const client = cluster.client(clientOptions);
    await client.ready({ all: true });
    return client;
  }

  const stateOf = (c: Client<typeof Echo>, id: string) => c.stats().endpoints.find((e) => e.id === id)?.state;

  it(
    'ejects a node that answers UNAVAILABLE to everything within a second; ' +
      'callers see no failure; it comes back on probation',
    async () => {
      const c = await setUp((i) => (i === 0 ? { failWith: Status.UNAVAILABLE } : {}), {
        balancer: balancers.roundRobin(),
        outlierDetection: { baseEjectionMs: 400 },
      });
      let ejectedAfterMs: number | undefined;
      const started = performance.now();
      const watch = setInterval(() => {
        if (ejectedAfterMs === undefined && stateOf(c, 'node-0') === 'ejected')
          ejectedAfterMs = performance.now() - started;
      }, 5);
      const records = await runLoad({
        concurrency: 4,
        durationMs: 1200,
        call: async () => (await c.unary({ text: 'e' })).nodeId,
      });
      clearInterval(watch);
      expect(failures(records)).toEqual([]);
      expect(ejectedAfterMs).toBeLessThan(1000);
      // Back after 400 ms, failing again: ejected again, for twice as long.
      await expect.poll(() => stateOf(c, 'node-0'), { timeout: 3000 }).toBe('ready');
      await runLoad({ concurrency: 4, durationMs: 300, call: async () => (await c.unary({ text: 'e' })).nodeId });
      expect(stateOf(c, 'node-0')).toBe('ejected');
    },
  );

  it('never ejects more than the allowed share of nodes, nor the last one', async () => {
    const c = await setUp(() => ({ failWith: Status.INTERNAL }), { outlierDetection: { maxEjectedShare: 0.5 } });
    await runLoad({ concurrency: 4, durationMs: 300, call: async () => (await c.unary({ text: 'i' })).nodeId });
    expect(c.stats().endpoints.filter((e) => e.state === 'ejected')).toHaveLength(1);
  });

  it('stops sending calls to a node that says NOT_SERVING, and resumes when it serves again', async () => {
    const c = await setUp(() => ({}));
    cluster.nodes[2]!.server.setServing(false, 'test.echo.Echo');
    await expect.poll(() => stateOf(c, 'node-2')).toBe('not-serving');
    const served = new Set<string>();
    for (let i = 0; i < 30; i++) served.add((await c.unary({ text: 'h' })).nodeId);
    expect(served).toEqual(new Set(['node-0', 'node-1']));
    cluster.nodes[2]!.server.setServing(true);
    await expect.poll(() => stateOf(c, 'node-2')).toBe('ready');
    for (let i = 0; i < 30; i++) served.add((await c.unary({ text: 'h' })).nodeId);
    expect(served).toContain('node-2');
  });

  it('retries an attempt that times out on a slow node elsewhere, for idempotent methods only', async () => {
    const c = await setUp((i) => ({ serviceMs: i === 0 ? 2000 : 0 }), {
      balancer: balancers.roundRobin(),
      deadlineMs: 3000,
      retry: { attemptTimeoutMs: 100 },
      outlierDetection: false,
    });
    const idempotent = await Promise.all(Array.from({ length: 6 }, () => c.unary({ text: 't' })));
    expect(idempotent.map((r) => r.nodeId)).not.toContain('node-0');
    const writes = await Promise.allSettled(Array.from({ length: 6 }, () => c.write({ text: 'w' })));
    const failed = writes
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .map((r) => r.reason as RpcError);
    expect(failed.length).toBe(2);
    expect(failed[0]!.code).toBe(Status.DEADLINE_EXCEEDED);
    expect(failed[0]!.message).toContain('on node-0');
    expect(failed[0]!.details).toBe('attempt timed out after 100 ms');
  });

  it('says how many attempts went to which nodes when every attempt fails', async () => {
    const c = await setUp(() => ({ failWith: Status.UNAVAILABLE }), {
      outlierDetection: false,
      retry: { maxAttempts: 3 },
    });
    const error = (await c.unary({ text: 'x' }).catch((e: unknown) => e)) as RpcError;
    expect(error.code).toBe(Status.UNAVAILABLE);
    expect(error.details).toMatch(/^node-\d is failing \(3 attempts: node-\d, node-\d, node-\d\)$/);
    expect(new Set(error.details.match(/node-\d/g)!.slice(1))).toEqual(new Set(['node-0', 'node-1', 'node-2']));
  });

  it('bounds the attempts by the retry budget when every node fails (no retry storm)', async () => {
    const c = await setUp(() => ({ failWith: Status.UNAVAILABLE }), {
      outlierDetection: false,
      retry: { maxAttempts: 5, backoff: { initialMs: 1, maxMs: 1 } },
      retryBudget: { ratio: 0.1, minPerSecond: 1 },
    });
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => c.unary({ text: 'x' })));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    const attempts = c.stats().calls;
    // Without a budget: 200 × 5 = 1000 attempts. With it: 200 + 0.1 × 200 + 1/s × 10 s.
    expect(attempts).toBeGreaterThanOrEqual(200);
    expect(attempts).toBeLessThanOrEqual(230);
    const messages = results.map((r) => ((r as PromiseRejectedResult).reason as RpcError).details);
    expect(messages.some((m) => m.endsWith('; retry budget spent)'))).toBe(true);
  });

  it('propagates the deadline to the handler', async () => {
    const c = await setUp(() => ({}));
    const before = Date.now();
    const reply = await c.unary({ text: 'deadline' }, { deadlineMs: 1500 });
    const deadline = Number(reply.text);
    expect(deadline).toBeGreaterThanOrEqual(before + 1400);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 1500);
  });

  it('waits for a node that is not up yet, within the deadline', async () => {
    const [first] = await cluster.start(1);
    const port = Number(first!.address.split(':')[1]);
    await first!.server.shutdown({ graceMs: 0 });
    const client = cluster.client({
      endpoints: [`127.0.0.1:${port}`],
      grpcOptions: { 'grpc.max_reconnect_backoff_ms': 200 },
    });
    const pending = client.unary({ text: 'late' }, { deadlineMs: 5000 });
    await sleep(300);
    await cluster.start(1, () => ({ listenPort: port }));
    await expect(pending).resolves.toMatchObject({ text: 'late' });
  });
});
