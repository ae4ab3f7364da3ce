import { beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'switchboard';
import type { Echo } from '../gen/echo.js';
import { useEchoCluster } from '../helpers/echo-cluster.js';
import { countBy } from '../helpers/echo-nodes.js';
import { manualResolver } from '../helpers/manual-resolver.js';

describe('a client following its resolver', () => {
  const cluster = useEchoCluster();
  let client: Client<typeof Echo>;
  const manual = manualResolver();
  const at = (i: number) => ({ address: cluster.addresses[i]! });
  const callsById = () => Object.fromEntries(client.stats().endpoints.map((e) => [e.id, e.calls]));
  const callNodes = async (count: number) => {
    const replies = await Promise.all(Array.from({ length: count }, (_, i) => client.unary({ text: `${i}` })));
    return countBy(replies, (r) => r.nodeId);
  };

  beforeAll(async () => {
    await cluster.start(3);
    client = cluster.client({ resolver: manual.resolver, deadlineMs: 5000 });
  });

  it('connects the listed nodes and spreads calls over them', async () => {
    manual.set([at(0), at(1)]);
    await client.ready({ all: true });
    expect(await callNodes(20)).toEqual({ 'node-0': 10, 'node-1': 10 });
    expect(client.stats().discovery).toMatchObject({ source: 'manual', healthy: true, lastError: undefined });
  });

  it('adds a new node and keeps the connections and stats of the unchanged ones', async () => {
    manual.set([at(0), at(1), at(2)]);
    await client.ready({ all: true });
    expect(callsById()).toEqual({ 'node-0': 10, 'node-1': 10, 'node-2': 0 });
    expect(await callNodes(30)).toEqual({ 'node-0': 10, 'node-1': 10, 'node-2': 10 });
    expect(callsById()).toEqual({ 'node-0': 20, 'node-1': 20, 'node-2': 10 });
    expect(client.stats().endpoints.every((e) => e.state === 'ready')).toBe(true);
  });

  it('drains a removed node: its call in flight finishes, it gets no new picks, then it leaves', async () => {
    const slow = Promise.all([0, 1, 2].map(() => client.unary({ text: 'slow', delayMs: 300 })));
    await expect.poll(() => client.stats().endpoints.every((e) => e.inFlight === 1)).toBe(true);
    manual.set([at(1), at(2)]);
    expect(await callNodes(20)).toEqual({ 'node-1': 10, 'node-2': 10 });
    expect((await slow).map((r) => r.nodeId).sort()).toEqual(['node-0', 'node-1', 'node-2']);
    expect(Object.keys(callsById()).sort()).toEqual(['node-1', 'node-2']);
  });

  it('applies a changed weight to the same connection and rebalances', async () => {
    const before = callsById();
    manual.set([at(1), { ...at(2), weight: 3, id: 'renamed-2' }]);
    expect(client.stats().endpoints.map((e) => [e.id, e.weight, e.calls])).toEqual([
      ['node-1', 1, before['node-1']],
      ['renamed-2', 3, before['node-2']],
    ]);
  });

  it('takes a node back that was removed while it is still draining', async () => {
    const slow = client.unary({ text: 'slow', delayMs: 300 }, { key: 'x' });
    await expect.poll(() => client.stats().endpoints.some((e) => e.inFlight === 1)).toBe(true);
    const busy = client.stats().endpoints.find((e) => e.inFlight === 1)!;
    manual.set([at(1), at(2)].filter((e) => e.address !== busy.address));
    manual.set([at(1), at(2)]);
    const back = client.stats().endpoints.find((e) => e.address === busy.address)!;
    expect([back.calls, back.inFlight, back.state]).toEqual([busy.calls, 1, 'ready']);
    await slow;
  });
});
