import { createServer as createNetServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { dnsResolver } from 'switchboard';
import type { ResolvedEndpoint } from 'switchboard/extend';
import { type DnsRecords, startDnsServer } from '../../scripts/dev/dns-server.js';
import { useEchoCluster } from '../helpers/echo-cluster.js';
import { countBy, type EchoNode } from '../helpers/echo-nodes.js';

const portOf = (node: EchoNode) => Number(node.address.split(':')[1]);

/** Whether this machine lets a server listen on `host` (e.g. a second loopback address). */
async function canListenOn(host: string): Promise<boolean> {
  const server = createNetServer();
  const ok = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, host, () => resolve(true));
  });
  server.close();
  return ok;
}

// 127.0.0.2 answers on Linux without any setup; elsewhere the test that needs it is skipped.
const secondLoopback = await canListenOn('127.0.0.2');

/** The lists a resolver delivers for a while, and its errors. */
function record(resolver: ReturnType<typeof dnsResolver>) {
  const lists: (readonly ResolvedEndpoint[])[] = [];
  const errors: Error[] = [];
  const stop = resolver.subscribe(
    'any',
    (list) => lists.push(list),
    (error) => errors.push(error),
  );
  return { lists, errors, stop };
}

describe('dnsResolver', () => {
  const cluster = useEchoCluster();
  let nodes: readonly EchoNode[];
  beforeAll(async () => {
    nodes = await cluster.start(2);
  });

  it('resolves dns:///localhost:port through the OS resolver, and a client calls the node', async () => {
    const client = cluster.client({ resolver: dnsResolver(`dns:///localhost:${portOf(nodes[0]!)}`) });
    await client.ready();
    const replies = await Promise.all(Array.from({ length: 5 }, () => client.unary({ text: 'dns' })));
    expect(countBy(replies, (r) => r.nodeId)).toEqual({ 'node-0': 5 });
    expect(client.stats().endpoints.map((e) => e.address)).toContain(nodes[0]!.address);
    expect(client.stats().discovery).toMatchObject({ source: `dns:///localhost:${portOf(nodes[0]!)}`, healthy: true });
  });

  it('resolves SRV records of the best priority with their weights, and follows changes', async () => {
    const records: DnsRecords = {
      a: { 'a.test': ['127.0.0.1'] },
      srv: {
        '_echo._tcp.test': [
          { priority: 10, weight: 3, port: portOf(nodes[0]!), target: 'a.test' },
          { priority: 10, weight: 1, port: portOf(nodes[1]!), target: 'a.test' },
          { priority: 20, weight: 1, port: 1, target: 'a.test' },
        ],
      },
    };
    const server = await startDnsServer(records);
    const seen = record(dnsResolver(`dns://${server.address}/_echo._tcp.test`, { intervalMs: 50 }));
    try {
      await expect.poll(() => seen.lists.length).toBe(1);
      expect(seen.lists[0]).toEqual(
        [
          { address: nodes[0]!.address, weight: 3 },
          { address: nodes[1]!.address, weight: 1 },
        ].sort((a, b) => a.address.localeCompare(b.address)),
      );
      records.srv['_echo._tcp.test'] = [{ priority: 10, weight: 1, port: portOf(nodes[1]!), target: 'a.test' }];
      await expect.poll(() => seen.lists.length).toBe(2);
      expect(seen.lists[1]).toEqual([{ address: nodes[1]!.address, weight: 1 }]);
      expect(seen.errors).toEqual([]);
    } finally {
      seen.stop();
      server.close();
    }
  });

  it('keeps the last list when the name stops resolving, says so, and delivers again when it is back', async () => {
    const records: DnsRecords = { a: { 'n.test': ['127.0.0.1'] }, srv: {} };
    const server = await startDnsServer(records);
    const seen = record(dnsResolver(`dns://${server.address}/n.test:${portOf(nodes[0]!)}`, { intervalMs: 50 }));
    try {
      await expect.poll(() => seen.lists.length).toBe(1);
      records.a = {};
      await expect.poll(() => seen.errors.length).toBeGreaterThan(0);
      expect(seen.lists.length).toBe(1);
      records.a = { 'n.test': ['127.0.0.1'] };
      await expect.poll(() => seen.lists.length, { timeout: 3000 }).toBe(2);
      expect(seen.lists[1]).toEqual([{ address: nodes[0]!.address }]);
    } finally {
      seen.stop();
      server.close();
    }
  });

  it.skipIf(!secondLoopback)(
    'resolves again when a connection fails: a node that moves to another address is followed long before the interval',
    async () => {
      const records: DnsRecords = { a: { 'moving.test': ['127.0.0.1'] }, srv: {} };
      const server = await startDnsServer(records);
      const first = await cluster.startNode('first');
      const port = portOf(first);
      const client = cluster.client({
        resolver: dnsResolver(`dns://${server.address}/moving.test:${port}`, {
          intervalMs: 60_000,
          minIntervalMs: 100,
        }),
      });
      try {
        expect((await client.unary({ text: 'before' })).nodeId).toBe('first');
        records.a['moving.test'] = ['127.0.0.2'];
        await first.server.shutdown({ graceMs: 0 });
        await cluster.startNode('moved', { listenHost: '127.0.0.2', listenPort: port });
        await expect
          .poll(() => client.stats().endpoints.map((e) => e.address), { timeout: 5000 })
          .toEqual([`127.0.0.2:${port}`]);
        expect((await client.unary({ text: 'after' })).nodeId).toBe('moved');
        expect(server.aQuestions('moving.test').length).toBeGreaterThanOrEqual(2);
      } finally {
        server.close();
      }
    },
  );

  it(
    'acts on resolveNow at most once per minIntervalMs after the last resolution, ' + 'however often it is asked',
    async () => {
      const server = await startDnsServer({ a: { 'n.test': ['127.0.0.1'] }, srv: {} });
      const resolver = dnsResolver(`dns://${server.address}/n.test:${portOf(nodes[0]!)}`, {
        intervalMs: 60_000,
        minIntervalMs: 1000,
      });
      const seen = record(resolver);
      const asked = () => server.aQuestions('n.test');
      try {
        await expect.poll(() => seen.lists.length).toBe(1);
        for (let i = 0; i < 5; i++) resolver.resolveNow!();
        await expect.poll(() => asked().length, { timeout: 3000 }).toBe(2);
        const [first, second] = asked();
        expect(second! - first!).toBeGreaterThanOrEqual(990);
        expect(second! - first!).toBeLessThan(1500);
        // Long after the last resolution, a request is acted on at once, and only once.
        await sleep(1100);
        const before = performance.now();
        for (let i = 0; i < 5; i++) resolver.resolveNow!();
        await expect.poll(() => asked().length).toBe(3);
        expect(asked()[2]! - before).toBeLessThan(300);
        await sleep(200);
        expect(asked().length).toBe(3);
      } finally {
        seen.stop();
        server.close();
      }
    },
  );

  it('a resolveNow that comes while a resolution runs brings another one, minIntervalMs after it started', async () => {
    const server = await startDnsServer({ a: { 'n.test': ['127.0.0.1'] }, srv: {} });
    server.delayMs = 300;
    const resolver = dnsResolver(`dns://${server.address}/n.test:${portOf(nodes[0]!)}`, {
      intervalMs: 60_000,
      minIntervalMs: 500,
    });
    const seen = record(resolver);
    const asked = () => server.aQuestions('n.test');
    try {
      await expect.poll(() => asked().length).toBe(1);
      resolver.resolveNow!(); // the first answer is still 300 ms away
      await expect.poll(() => seen.lists.length).toBe(1);
      await expect.poll(() => asked().length, { timeout: 3000 }).toBe(2);
      const [first, second] = asked();
      expect(second! - first!).toBeGreaterThanOrEqual(490);
    } finally {
      seen.stop();
      server.close();
    }
  });

  it('refuses a malformed target and bad intervals', () => {
    expect(() => dnsResolver('localhost:50051')).toThrow('dnsResolver: invalid target "localhost:50051"');
    expect(() => dnsResolver('dns:///localhost:99999')).toThrow('dnsResolver: invalid target');
    expect(() => dnsResolver('dns:///localhost:50051', { minIntervalMs: -1 })).toThrow(
      'dnsResolver: minIntervalMs must be 0 or more, got -1',
    );
  });
});
