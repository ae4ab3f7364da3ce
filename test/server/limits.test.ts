import { describe, expect, it, vi } from 'vitest';
import { type ClientOptions, createClient, Status } from 'switchboard';
import { Echo } from '../gen/echo.js';
import { useEchoCluster } from '../helpers/echo-cluster.js';
import type { EchoNodeOptions } from '../helpers/echo-nodes.js';
import { rejection } from '../helpers/rejection.js';

const MiB = 1024 * 1024;
const cluster = useEchoCluster();

async function setup(node: EchoNodeOptions, client: ClientOptions<typeof Echo> = {}) {
  const echo = await cluster.startNode('limited', node);
  return { echo, client: cluster.client({ ...client, endpoints: [echo.address] }) };
}

describe('message size limits', () => {
  it('refuses to send a request over the client limit (default 4 MiB), naming the limit', async () => {
    const { client } = await setup({});
    const error = await rejection(client.unary({ text: 'x'.repeat(5 * MiB) }));
    expect(error.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(error.message).toContain('RESOURCE_EXHAUSTED: Attempted to send message with a size larger than 4194304');
    await expect(client.unary({ text: 'small' })).resolves.toMatchObject({ text: 'small' });
  });

  it('the node refuses a request over its receive limit (default 4 MiB) and serves the next call', async () => {
    const { client } = await setup({}, { maxSendMessageBytes: Number.POSITIVE_INFINITY });
    const error = await rejection(client.unary({ text: 'x'.repeat(5 * MiB) }));
    expect(error.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(error.message).toMatch(/Received message larger than max \(\d{7} vs\.? 4194304\)/);
    await expect(client.unary({ text: 'after' })).resolves.toMatchObject({ text: 'after', nodeId: 'limited' });
  });

  it('configured limits: node receive, node send, client receive', async () => {
    const { client } = await setup({ maxReceiveMessageBytes: 4096, maxSendMessageBytes: 2048 });
    const big = await rejection(client.unary({ text: 'x'.repeat(5000) }));
    expect([big.code, big.details]).toEqual([
      Status.RESOURCE_EXHAUSTED,
      expect.stringMatching(/Received message larger than max \(500\d vs\.? 4096\)/),
    ]);
    const reply = await rejection(client.unary({ text: 'y'.repeat(3000) }));
    expect([reply.code, reply.details]).toEqual([
      Status.RESOURCE_EXHAUSTED,
      expect.stringMatching(/Sent message larger than max \(30\d\d vs\.? 2048\)/),
    ]);
    await expect(client.unary({ text: 'fits' })).resolves.toMatchObject({ text: 'fits' });

    const { client: picky } = await setup({}, { maxReceiveMessageBytes: 1000 });
    const received = await rejection(picky.unary({ text: 'z'.repeat(1500) }));
    expect([received.code, received.details]).toEqual([
      Status.RESOURCE_EXHAUSTED,
      expect.stringMatching(/larger than max \(15\d\d vs\.? 1000\)/),
    ]);
    await expect(picky.unary({ text: 'fits' })).resolves.toMatchObject({ text: 'fits' });
  });

  it('rejects nonsense limits with the option name', async () => {
    expect(() => createClient(Echo, { endpoints: ['127.0.0.1:1'], maxReceiveMessageBytes: 0 })).toThrow(
      'createClient(test.echo.Echo): maxReceiveMessageBytes must be a positive integer or Infinity, got 0',
    );
    await expect(cluster.startNode('bad', { maxSendMessageBytes: -5 })).rejects.toThrow(
      'createServer(bad): maxSendMessageBytes must be',
    );
  });
});

describe('maxConcurrentCalls', () => {
  it('refuses calls over the limit with RESOURCE_EXHAUSTED and serves again once calls end', async () => {
    const { echo, client } = await setup({ maxConcurrentCalls: 2 });
    const slow = [client.unary({ text: 'a', delayMs: 400 }), client.unary({ text: 'b', delayMs: 400 })];
    await vi.waitFor(() => expect(echo.server.inFlight).toBe(2));
    const error = await rejection(client.unary({ text: 'c' }));
    expect(error.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(error.message).toContain('node limited is at its limit of 2 concurrent calls');
    await expect(Promise.all(slow)).resolves.toHaveLength(2);
    await expect(client.unary({ text: 'd' })).resolves.toMatchObject({ text: 'd' });
  });

  it('queues up to maxQueuedCalls in order; a queued call that gives up frees its place', async () => {
    const { echo, client } = await setup({ maxConcurrentCalls: 1, maxQueuedCalls: 2 });
    const order: string[] = [];
    const track = (text: string, delayMs: number, deadlineMs?: number) =>
      client.unary({ text, delayMs }, { deadlineMs }).then((r) => {
        order.push(r.text);
        return r;
      });
    const first = track('first', 300);
    await vi.waitFor(() => expect(echo.server.inFlight).toBe(1));
    const impatient = client.unary({ text: 'impatient' }, { deadlineMs: 100 });
    const second = track('second', 0);
    await vi.waitFor(() => expect(echo.server.inFlight).toBe(3));
    const refused = await rejection(client.unary({ text: 'refused' }));
    expect(refused.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(refused.message).toContain('at its limit of 1 concurrent calls and 2 queued');
    expect((await rejection(impatient)).code).toBe(Status.DEADLINE_EXCEEDED);
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
    await expect(client.unary({ text: 'later' })).resolves.toMatchObject({ text: 'later' });
    expect(echo.server.inFlight).toBe(0);
  });

  it('rejects a nonsense limit', async () => {
    await expect(cluster.startNode('bad', { maxConcurrentCalls: 0 })).rejects.toThrow(
      "createServer(bad): maxConcurrentCalls must be a positive integer, 'adaptive' or adaptive limit options, got 0",
    );
  });
});
