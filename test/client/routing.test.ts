import { describe, expect, it } from 'vitest';
import { balancers, createClient, seededRandom } from 'switchboard';
import { Echo } from '../gen/echo.js';
import { useEchoCluster } from '../helpers/echo-cluster.js';
import { countBy } from '../helpers/echo-nodes.js';

// Key affinity, canary routing and per-method balancers through a real client on real nodes.
describe('routing through a client on real nodes', () => {
  const cluster = useEchoCluster();

  it('consistentHash: every call of a key goes to one node, and the keys spread over all nodes', async () => {
    const nodes = await cluster.start(3);
    const client = cluster.client({ balancer: balancers.consistentHash({ algorithm: 'maglev' }) });
    await client.ready({ all: true });
    const servedBy = new Map<string, Set<string>>();
    for (let round = 0; round < 3; round++) {
      for (let user = 0; user < 60; user++) {
        const key = `user-${user}`;
        const reply = await client.unary({ text: key }, { key });
        servedBy.set(key, (servedBy.get(key) ?? new Set()).add(reply.nodeId));
      }
    }
    for (const owners of servedBy.values()) expect(owners.size).toBe(1);
    const perNode = countBy([...servedBy.values()], (owners) => [...owners][0]!);
    for (const node of nodes) expect(perNode[node.id]).toBeGreaterThanOrEqual(10);
  });

  it('route: about 5% of calls to version=v2, all of them with x-canary: 1', async () => {
    await cluster.start(3, (i) => ({ labels: { version: i === 2 ? 'v2' : 'v1' } }));
    const random = seededRandom(9);
    const client = cluster.client({
      balancer: balancers.route({
        subsets: { stable: { labels: { version: 'v1' } }, canary: { labels: { version: 'v2' } } },
        rules: [{ when: { metadata: { 'x-canary': '1' } }, to: 'canary' }, { to: { stable: 95, canary: 5 } }],
        random,
      }),
    });
    await client.ready({ all: true });
    const plain: string[] = [];
    for (let i = 0; i < 400; i++) plain.push((await client.unary({ text: 'x' })).nodeId);
    const share = (countBy(plain, (id) => id)['node-2'] ?? 0) / plain.length;
    expect(share).toBeGreaterThan(0.02);
    expect(share).toBeLessThan(0.08);
    for (let i = 0; i < 20; i++) {
      expect((await client.unary({ text: 'x' }, { metadata: { 'x-canary': '1' } })).nodeId).toBe('node-2');
    }
  });

  it('zoneAware: calls stay in the local zone until its only node stops, then spill', async () => {
    const nodes = await cluster.start(3, (i) => ({ zone: i === 0 ? 'eu-1' : 'eu-2' }));
    const client = cluster.client({ balancer: balancers.zoneAware(balancers.roundRobin, { zone: 'eu-1' }) });
    await client.ready({ all: true });
    for (let i = 0; i < 30; i++) expect((await client.unary({ text: 'x' })).nodeId).toBe('node-0');
    await nodes[0]!.server.shutdown({ graceMs: 0 });
    const after: string[] = [];
    for (let i = 0; i < 30; i++) after.push((await client.unary({ text: 'x' })).nodeId);
    expect(after).not.toContain('node-0');
  });

  it('a per-method balancer: Write is hashed by key while Unary rotates, both fed the same nodes', async () => {
    await cluster.start(3);
    const client = cluster.client({
      balancer: balancers.roundRobin(),
      methods: { write: { balancer: balancers.consistentHash({ key: 'x-user' }) } },
    });
    await client.ready({ all: true });
    const writes = new Set<string>();
    for (let i = 0; i < 30; i++)
      writes.add((await client.write({ text: 'w' }, { metadata: { 'x-user': 'ada' } })).nodeId);
    expect(writes.size).toBe(1);
    const reads: string[] = [];
    for (let i = 0; i < 30; i++) reads.push((await client.unary({ text: 'r' })).nodeId);
    expect(Object.values(countBy(reads, (id) => id))).toEqual([10, 10, 10]);
    expect(client.stats().balancer).toBe('roundRobin (Write: consistentHash)');
  });

  it('refuses per-method settings for a method the service does not have', () => {
    expect(() =>
      createClient(Echo, { endpoints: ['127.0.0.1:1'], methods: { nope: { balancer: balancers.random() } } as never }),
    ).toThrow(
      'methods.nope is not a method of test.echo.Echo; methods: unary, write, serverStream, clientStream, bidi',
    );
  });
});
