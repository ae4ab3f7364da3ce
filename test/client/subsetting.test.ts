import { beforeAll, describe, expect, it } from 'vitest';
import { balancers, type Client, createClient } from 'switchboard';
import { selectSubset } from '../../src/client/endpoints/subset.js';
import { Echo } from '../gen/echo.js';
import { useEchoCluster } from '../helpers/echo-cluster.js';
import { countBy, type EchoNode } from '../helpers/echo-nodes.js';
import { manualResolver } from '../helpers/manual-resolver.js';

describe('a client with a subset', () => {
  const cluster = useEchoCluster();
  let nodes: EchoNode[];
  beforeAll(async () => {
    nodes = await cluster.start(6);
  });
  const idOf = (address: string) => nodes.find((n) => n.address === address)!.id;
  const callNodes = async (client: Client<typeof Echo>, count: number) =>
    countBy(await Promise.all(Array.from({ length: count }, () => client.unary({ text: 'x' }))), (r) => r.nodeId);

  it('connects to its 2 of 6 nodes only, and re-chooses one when a member leaves', async () => {
    const manual = manualResolver();
    const client = cluster.client({
      resolver: manual.resolver,
      subset: { size: 2, client: 'client-a' },
      balancer: balancers.roundRobin(),
      deadlineMs: 5000,
    });
    const all = nodes.map((n) => n.address);
    manual.set(all.map((address) => ({ address })));
    await client.ready({ all: true });
    const members = selectSubset(all, { size: 2, strategy: 'random', client: 'client-a' });
    expect(client.stats().discovery.subset).toEqual({
      size: 2,
      strategy: 'random',
      client: 'client-a',
      candidates: 6,
      members,
    });
    // The client holds a connection to its members only (an endpoint is a connection).
    expect(client.stats().endpoints.map((e) => e.address)).toEqual(members);
    expect(await callNodes(client, 20)).toEqual(Object.fromEntries(members.map((a) => [idOf(a), 10])));

    const left = members[0]!;
    const rest = all.filter((a) => a !== left);
    manual.set(rest.map((address) => ({ address })));
    const next = selectSubset(rest, { size: 2, strategy: 'random', client: 'client-a' });
    expect(next).toContain(members[1]);
    expect(client.stats().discovery.subset?.members).toEqual(next);
    await client.ready({ all: true });
    expect(await callNodes(client, 20)).toEqual(Object.fromEntries(next.map((a) => [idOf(a), 10])));
  });

  it('spreads deterministic clients 0..5 (size 2) so that every node has exactly 2', async () => {
    const clients = Array.from({ length: 6 }, (_, client) =>
      cluster.client({ subset: { size: 2, strategy: 'deterministic', client } }),
    );
    const perNode = countBy(
      clients.flatMap((c) => c.stats().endpoints.map((e) => e.address)),
      idOf,
    );
    expect(perNode).toEqual(Object.fromEntries(nodes.map((n) => [n.id, 2])));
    await Promise.all(clients.map((c) => c.ready({ all: true })));
    expect(clients.map((c) => c.stats().endpoints.length)).toEqual([2, 2, 2, 2, 2, 2]);
  });

  it.each([
    [{ size: 0 }, 'createClient(test.echo.Echo): subset: size must be an integer ≥ 1, got 0'],
    [
      { size: 2, strategy: 'nearest' },
      "createClient(test.echo.Echo): subset: strategy must be 'deterministic' or 'random'",
    ],
    [{ size: 2, strategy: 'deterministic' }, "subset.client is required with strategy 'deterministic'"],
    [{ size: 2, strategy: 'deterministic', client: 1.5 }, 'subset: client must be an integer ≥ 0, got 1.5'],
  ])('rejects subset %o when the client is created', (subset, message) => {
    expect(() => createClient(Echo, { endpoints: ['127.0.0.1:1'], subset: subset as { size: number } })).toThrow(
      message,
    );
  });
});
