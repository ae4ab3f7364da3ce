import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createServer, type Server, type ServerOptions, Status } from 'switchboard';
import { SingleWorker } from '../../src/cli/single-worker.js';
import { Echo } from '../gen/echo.js';
import { useEchoCluster } from '../helpers/echo-cluster.js';
import { rejection } from '../helpers/rejection.js';

const cluster = useEchoCluster();

/**
 * A node whose Unary handler records the order calls start in and holds each call until
 * `open()`, except `warm` calls, which take `delayMs` on a timer.
 */
async function gatedNode(options: Partial<ServerOptions>) {
  const started: string[] = [];
  let open = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const server: Server = createServer({ nodeId: 'gate', onHandlerError: () => {}, ...options });
  server.add(Echo, {
    async unary(req) {
      started.push(req.text);
      if (req.text === 'warm') await sleep(req.delayMs);
      else await gate;
      return { text: req.text, nodeId: 'gate' };
    },
  });
  const { address } = await server.listen('127.0.0.1:0');
  // The node's refusals are under test: the client's adaptive throttle must not add its own.
  const client = cluster.client({ endpoints: [address], throttle: false });
  const admission = () => server.stats().admission!;
  /**
   * Sends a call and waits until the node has queued it (so the calls' arrival order is
   * known); `answer` is the call's outcome.
   */
  const queue = async (text: string, deadlineMs?: number, signal?: AbortSignal) => {
    const before = admission().queued;
    const answer = client.unary({ text }, { deadlineMs, signal });
    answer.catch(() => {});
    await expect.poll(() => admission().queued).toBe(before + 1);
    return { answer };
  };
  return { server, client, started, open, admission, queue, close: () => server.shutdown({ graceMs: 0 }) };
}

describe('deadline-aware admission', () => {
  it('refuses at arrival a call whose deadline cannot be met: its handler never runs', async () => {
    const node = await gatedNode({ maxConcurrentCalls: 1, maxQueuedCalls: 10, queue: { discipline: 'fifo' } });
    try {
      // One call of at least 200 ms teaches the node its handling time.
      await node.client.unary({ text: 'warm', delayMs: 200 });
      expect(node.admission().handlingMs).toBeGreaterThanOrEqual(199);
      const holder = node.client.unary({ text: 'holder' });
      await expect.poll(() => node.admission().running).toBe(1);
      // 1 slot, 200 ms a call: a new call would start in ~200 ms and end in ~400 ms.
      const error = await rejection(node.client.unary({ text: 'hopeless' }, { deadlineMs: 100 }));
      expect(error.code).toBe(Status.RESOURCE_EXHAUSTED);
      expect(error.details).toMatch(
        new RegExp(
          '^node gate cannot meet the deadline: expected wait \\d+ ms \\(0 queued ahead, limit 1\\) ' +
            '\\+ \\d+ ms handling, \\d+ ms left$',
        ),
      );
      // One whose deadline leaves time enough, but not once the node's margin is taken off (it
      // answers DEADLINE_EXCEEDED a tenth of the timeout early): refused too, not queued to fail later.
      const handling = node.admission().handlingMs;
      const tight = await rejection(node.client.unary({ text: 'tight' }, { deadlineMs: Math.ceil(2 * handling + 25) }));
      expect(tight.code).toBe(Status.RESOURCE_EXHAUSTED);
      // A call with time enough waits and is served.
      const patient = await node.queue('patient', 10_000);
      node.open();
      await expect(Promise.all([holder, patient.answer])).resolves.toHaveLength(2);
      expect(node.started).toEqual(['warm', 'holder', 'patient']);
      expect(node.admission().refused).toEqual({ queueFull: 0, deadline: 2, codel: 0 });
    } finally {
      await node.close();
    }
  });

  it('a queued call whose caller gives up leaves the queue at once and frees its place', async () => {
    const node = await gatedNode({ maxConcurrentCalls: 1, maxQueuedCalls: 1 });
    try {
      const holder = node.client.unary({ text: 'holder' });
      await expect.poll(() => node.admission().running).toBe(1);
      const caller = new AbortController();
      const leaving = await node.queue('leaving', undefined, caller.signal);
      caller.abort();
      expect((await rejection(leaving.answer)).code).toBe(Status.CANCELLED);
      await expect.poll(() => node.admission()).toMatchObject({ queued: 0, abandoned: 1 });
      // Its place is free: the next call queues instead of being refused as over the queue.
      const next = await node.queue('next');
      node.open();
      await Promise.all([holder, next.answer]);
      expect(node.started).toEqual(['holder', 'next']);
      expect(node.admission().refused.queueFull).toBe(0);
    } finally {
      await node.close();
    }
  });
});

describe('queue discipline', () => {
  it('fifo serves in arrival order', async () => {
    const node = await gatedNode({ maxConcurrentCalls: 1, maxQueuedCalls: 5, queue: { discipline: 'fifo' } });
    try {
      const calls = [node.client.unary({ text: 'holder' })];
      await expect.poll(() => node.admission().running).toBe(1);
      for (const text of ['a', 'b', 'c']) calls.push((await node.queue(text)).answer);
      node.open();
      await Promise.all(calls);
      expect(node.started).toEqual(['holder', 'a', 'b', 'c']);
    } finally {
      await node.close();
    }
  });

  it('adaptive-lifo serves newest first once the queue has stood for its interval', async () => {
    const queue = { discipline: 'adaptive-lifo', intervalMs: 20 } as const;
    const node = await gatedNode({ maxConcurrentCalls: 1, maxQueuedCalls: 5, queue });
    try {
      const calls = [node.client.unary({ text: 'holder' })];
      await expect.poll(() => node.admission().running).toBe(1);
      for (const text of ['a', 'b', 'c']) calls.push((await node.queue(text)).answer);
      // The condition is time itself: the queue must have been non-empty for 20 ms.
      await sleep(25);
      node.open();
      await Promise.all(calls);
      expect(node.started).toEqual(['holder', 'c', 'b', 'a']);
    } finally {
      await node.close();
    }
  });

  it('codel drops from the head the calls that waited over the target in a standing queue', async () => {
    const queue = { discipline: 'codel', targetMs: 150, intervalMs: 1 } as const;
    const node = await gatedNode({ maxConcurrentCalls: 1, maxQueuedCalls: 5, queue });
    try {
      const holder = node.client.unary({ text: 'holder' });
      await expect.poll(() => node.admission().running).toBe(1);
      const old = [(await node.queue('old-1')).answer, (await node.queue('old-2')).answer];
      await sleep(300); // past the target for the old calls only
      const fresh = await node.queue('fresh');
      node.open();
      for (const call of old) {
        const error = await rejection(call);
        expect(error.code).toBe(Status.RESOURCE_EXHAUSTED);
        expect(error.details).toMatch(
          new RegExp(
            '^node gate dropped the call after \\d+ ms in its queue ' +
              '\\(over 150 ms, the longest a call waits while the queue stands\\)$',
          ),
        );
      }
      await expect(Promise.all([holder, fresh.answer])).resolves.toHaveLength(2);
      expect(node.started).toEqual(['holder', 'fresh']);
      expect(node.admission().refused).toEqual({ queueFull: 0, deadline: 0, codel: 2 });
    } finally {
      await node.close();
    }
  });
});

describe("maxConcurrentCalls: 'adaptive'", () => {
  // How far it falls depends on how steadily the loaded machine's client keeps the node busy;
  // the shrinking and growing back are asserted exactly in concurrency-limit.test.ts.
  it('lowers the limit on a node whose calls queue behind one worker', async () => {
    const worker = new SingleWorker(4);
    const server = createServer({
      nodeId: 'adaptive',
      maxConcurrentCalls: { initial: 20, intervalMs: 20 },
      maxQueuedCalls: Number.POSITIVE_INFINITY,
      queue: { discipline: 'fifo' },
    });
    server.add(Echo, {
      async unary(req) {
        await worker.serve();
        return { text: req.text, nodeId: 'adaptive' };
      },
    });
    const { address } = await server.listen('127.0.0.1:0');
    try {
      const client = cluster.client({ endpoints: [address] });
      expect(server.stats().admission?.limit).toBe(20);
      // 24 callers, 15 calls each: at most 360 × 4 ms of work.
      await Promise.all(
        Array.from({ length: 24 }, async () => {
          for (let i = 0; i < 15; i++) await client.unary({ text: 'x' });
        }),
      );
      // With 20 calls on one worker each waits for the others: 80 ms against 4 ms alone.
      expect(server.stats().admission?.limit).toBeLessThan(20);
    } finally {
      await server.shutdown({ graceMs: 0 });
    }
  });

  it('rejects nonsense settings, naming the option', async () => {
    await expect(cluster.startNode('bad', { maxConcurrentCalls: 'fast' as never })).rejects.toThrow(
      "createServer(bad): maxConcurrentCalls must be a positive integer, 'adaptive' or adaptive limit options, " +
        'got fast',
    );
    await expect(cluster.startNode('bad', { maxConcurrentCalls: { min: 0 } })).rejects.toThrow(
      'createServer(bad): concurrency limit min must be an integer ≥ 1, got 0',
    );
    await expect(
      cluster.startNode('bad', { maxConcurrentCalls: 2, queue: { discipline: 'random' as never } }),
    ).rejects.toThrow("createServer(bad): queue discipline must be 'fifo', 'adaptive-lifo' or 'codel', got random");
  });
});
