import { describe, expect, it } from 'vitest';
import { balancers, RpcError, Status, TaskDispatcher } from 'switchboard';
import { useEchoCluster } from '../helpers/echo-cluster.js';

describe('TaskDispatcher', () => {
  const cluster = useEchoCluster();

  async function setUp(count: number, serviceMs = 0) {
    await cluster.start(count, () => ({ serviceMs }));
    const client = cluster.client({ balancer: balancers.leastLoad() });
    await client.ready({ all: true });
    return client;
  }

  it('runs tasks sync and async and counts them per node', async () => {
    const c = await setUp(3);
    const dispatcher = new TaskDispatcher(c, 'unary', { concurrency: 4 });
    expect((await dispatcher.run({ text: 'one' })).text).toBe('one');
    const ends: string[] = [];
    const handles = Array.from({ length: 30 }, (_, i) =>
      dispatcher.submit({ text: `t${i}` }).onComplete((error, value) => ends.push(error ? 'error' : value!.text)),
    );
    const replies = await Promise.all(handles.map((h) => h.done));
    await dispatcher.drain();
    expect(replies.map((r) => r.text)).toEqual(Array.from({ length: 30 }, (_, i) => `t${i}`));
    expect(ends).toHaveLength(30);
    const stats = dispatcher.stats();
    expect(stats).toMatchObject({ submitted: 31, completed: 31, failed: 0, failovers: 0, running: 0, queued: 0 });
    expect(Object.values(stats.byNode).reduce((sum, n) => sum + n.completed, 0)).toBe(31);
  });

  it('loses no task when a node dies mid-run: its tasks move to the others', async () => {
    const c = await setUp(3, 20);
    const dispatcher = new TaskDispatcher(c, 'unary', { concurrency: 12 });
    const handles = Array.from({ length: 240 }, (_, i) => dispatcher.submit({ text: `t${i}` }));
    let completed = 0;
    const killed = new Promise<void>((resolve) => {
      for (const h of handles) {
        h.onComplete(() => {
          if (++completed === 60) cluster.nodes[1]!.server.shutdown({ graceMs: 0 }).then(resolve);
        });
      }
    });
    const replies = await Promise.all(handles.map((h) => h.done));
    await killed;
    expect(replies).toHaveLength(240);
    const stats = dispatcher.stats();
    expect(stats.completed).toBe(240);
    expect(stats.failed).toBe(0);
    expect(stats.failovers).toBeGreaterThan(0);
    expect(stats.byNode['node-1']!.failedAttempts).toBeGreaterThan(0);
    expect(Object.values(stats.byNode).reduce((sum, n) => sum + n.completed, 0)).toBe(240);
  });

  it('does not fail over on application errors, and rejects the handle with the RpcError', async () => {
    const c = await setUp(2);
    const dispatcher = new TaskDispatcher(c, 'unary');
    const handle = dispatcher.submit({ text: 'bad', failCode: Status.INVALID_ARGUMENT });
    const error = await handle.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(Status.INVALID_ARGUMENT);
    expect(dispatcher.stats()).toMatchObject({ failed: 1, failovers: 0 });
  });

  it('gives up after maxAttempts, naming the nodes tried', async () => {
    const c = await setUp(2);
    const dispatcher = new TaskDispatcher(c, 'unary', { maxAttempts: 2 });
    await expect(dispatcher.run({ text: 'x', failCode: Status.UNAVAILABLE })).rejects.toThrow(
      /task failed after 2 attempts on node-\d, node-\d/,
    );
    // @ts-expect-error only unary methods run as tasks
    expect(() => new TaskDispatcher(c, 'bidi')).toThrow('not a unary method of test.echo.Echo');
  });
});
