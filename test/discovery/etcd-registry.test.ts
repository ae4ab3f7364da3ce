import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createServer, type EtcdRegistry, etcdRegistry } from 'switchboard';
import { Echo } from '../gen/echo.js';
import { startEchoNode, stopAll } from '../helpers/echo-nodes.js';
import { type LocalEtcd, startEtcd } from '../../scripts/dev/etcd.js';
import { startLoad } from '../helpers/steady-load.js';
import { provided } from '../setup/provided.js';

const SERVICE = Echo.name;
let etcd: LocalEtcd;
let testCount = 0;
const quiet = () => {};

/** A registry with a prefix of its own, so each test sees only its nodes. */
function newRegistry(): EtcdRegistry {
  return etcdRegistry({ hosts: etcd.host, prefix: `t${++testCount}`, ttlS: 2, log: quiet });
}

/** An Echo node in a child process, registered with the registry's prefix; resolves once registered. */
async function spawnNode(prefix: string, id: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/etcd-echo-node.ts', etcd.host, prefix, id], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await Promise.race([once(child.stdout!, 'data'), once(child, 'exit')])) as [Buffer];
  if (!String(line).startsWith('listening')) throw new Error(`node ${id} did not start: ${line}`);
  return child;
}

describe.skipIf(provided('etcd', 'etcd registry tests') === undefined)('etcd registry', () => {
  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(async () => {
    await etcd?.close();
  });

  it('registers a node on listen, clients call it, members() lists it, shutdown deregisters it first', async () => {
    const registry = newRegistry();
    const nodes = [
      await startEchoNode('a', { registry, zone: 'z1', weight: 2, labels: { v: '1' } }),
      await startEchoNode('b', { registry }),
    ];
    const client = createClient(Echo, { resolver: registry });
    try {
      expect((await registry.members(SERVICE)).map(({ startedAt, ...rest }) => rest)).toEqual([
        { id: 'a', address: nodes[0]!.address, weight: 2, zone: 'z1', labels: { v: '1' } },
        { id: 'b', address: nodes[1]!.address, weight: 1, zone: '', labels: {} },
      ]);
      await client.ready({ all: true });
      const replies = await Promise.all(Array.from({ length: 20 }, () => client.unary({ text: 'x' })));
      expect(replies.filter((r) => r.nodeId === 'a').length).toBe(10);
      expect(client.stats().discovery).toMatchObject({ source: `etcd ${etcd.host}/t${testCount}`, healthy: true });

      await nodes[0]!.server.shutdown({ graceMs: 0 });
      expect((await registry.members(SERVICE)).map((m) => m.id)).toEqual(['b']);
      await expect.poll(() => client.stats().endpoints.map((e) => e.id)).toEqual(['b']);
      const after = await Promise.all(Array.from({ length: 10 }, () => client.unary({ text: 'y' })));
      expect(after.map((r) => r.nodeId)).toEqual(Array(10).fill('b'));
    } finally {
      await client.close();
      await stopAll(nodes);
      await registry.close();
    }
  });

  it('refuses a second live node with the same id, with a clear error', async () => {
    const registry = newRegistry();
    const first = await startEchoNode('same', { registry });
    try {
      await expect(startEchoNode('same', { registry })).rejects.toThrow(
        new RegExp(
          /^node same cannot register at 127\.0\.0\.1:\d+: node id same is already registered by a live node /.source +
            /\(\/t\d+\/test\.echo\.Echo\/same = \{"address":"127\.0\.0\.1:\d+"/.source,
        ),
      );
      expect((await registry.members(SERVICE)).map((m) => [m.id, m.address])).toEqual([['same', first.address]]);
    } finally {
      await stopAll([first]);
      await registry.close();
    }
  });

  it(
    'registers the advertise address (with the bound port when it names a host only), ' +
      'and clients reach the node there',
    async () => {
      const [registry, other] = [newRegistry(), newRegistry()];
      const nodes = [
        await startEchoNode('a', { registry, advertise: 'localhost' }),
        await startEchoNode('b', { registry: other, advertise: 'node-b.example:7000' }),
      ];
      const client = createClient(Echo, { resolver: registry });
      try {
        const port = Number(nodes[0]!.address.split(':')[1]);
        expect(nodes.map((n) => n.address)).toEqual([`localhost:${port}`, 'node-b.example:7000']);
        expect((await registry.members(SERVICE)).map((m) => [m.id, m.address])).toEqual([['a', `localhost:${port}`]]);
        expect((await other.members(SERVICE)).map((m) => [m.id, m.address])).toEqual([['b', 'node-b.example:7000']]);
        expect((await client.unary({ text: 'x' })).nodeId).toBe('a');
      } finally {
        await client.close();
        await stopAll(nodes);
        await Promise.all([registry.close(), other.close()]);
      }
    },
  );

  it('refuses to register a wildcard listen address, before binding, and says to set advertise', async () => {
    const registry = newRegistry();
    const server = createServer({ nodeId: 'wild', registry }).add(Echo, {
      unary: async (req) => ({ text: req.text, nodeId: 'wild' }),
    });
    try {
      for (const wildcard of ['0.0.0.0:0', '[::]:0']) {
        await expect(server.listen(wildcard)).rejects.toThrow(
          `node wild cannot register ${wildcard.slice(0, -2)}, the wildcard address it listens on: ` +
            'other hosts cannot dial it; set createServer({ advertise })',
        );
      }
      expect(await registry.members(SERVICE)).toEqual([]);
      // Refused before binding: the node can still listen (and registers) on an address others can dial.
      const { address } = await server.listen('127.0.0.1:0');
      expect((await registry.members(SERVICE)).map((m) => [m.id, m.address])).toEqual([['wild', address]]);
    } finally {
      await server.shutdown({ graceMs: 0 });
      await registry.close();
    }
  });

  it('a node whose lease is lost registers again under a new lease', async () => {
    const registry = newRegistry();
    const node = await startEchoNode('phoenix', { registry });
    const admin = new Etcd3({ hosts: `http://${etcd.host}` });
    const key = `/t${testCount}/${SERVICE}/phoenix`;
    try {
      const lease = (await admin.get(key).exec()).kvs[0]!.lease;
      await admin.leaseClient.leaseRevoke({ ID: lease });
      expect(await admin.get(key).string()).toBeNull();
      await expect.poll(async () => (await admin.get(key).exec()).kvs[0]?.lease, { timeout: 5000 }).toMatch(/^\d+$/);
      expect((await admin.get(key).exec()).kvs[0]!.lease).not.toBe(lease);
      expect((await registry.members(SERVICE)).map((m) => [m.id, m.address])).toEqual([['phoenix', node.address]]);
    } finally {
      admin.close();
      await stopAll([node]);
      await registry.close();
    }
  });

  it('a SIGKILLed node leaves after the lease TTL, and the client stops picking it without failed calls', async () => {
    const registry = newRegistry();
    const prefix = `t${testCount}`;
    const stable = await startEchoNode('stable', { registry });
    const victim = await spawnNode(prefix, 'victim');
    const client = createClient(Echo, { resolver: registry });
    try {
      await expect.poll(() => client.stats().endpoints.filter((e) => e.state === 'ready').length).toBe(2);
      const load = startLoad(client);
      await expect.poll(() => load.byNode.victim ?? 0).toBeGreaterThan(10);
      const killedAt = Date.now();
      victim.kill('SIGKILL');
      await expect
        .poll(async () => (await registry.members(SERVICE)).map((m) => m.id), { timeout: 6000, interval: 100 })
        .toEqual(['stable']);
      const goneAfterMs = Date.now() - killedAt;
      await expect.poll(() => client.stats().endpoints.map((e) => e.id)).toEqual(['stable']);
      const victimCalls = load.byNode.victim;
      const stableCalls = load.byNode.stable ?? 0;
      await expect.poll(() => load.byNode.stable! - stableCalls).toBeGreaterThan(50);
      await load.stop();
      expect(load.byNode.victim).toBe(victimCalls);
      expect(load.failures).toEqual([]);
      expect(goneAfterMs).toBeGreaterThan(1000);
      expect(goneAfterMs).toBeLessThan(5000);
    } finally {
      victim.kill('SIGKILL');
      await client.close();
      await stopAll([stable]);
      await registry.close();
    }
  });

  it('a node added under load receives calls within a second', async () => {
    const registry = newRegistry();
    const nodes = [await startEchoNode('first', { registry })];
    const client = createClient(Echo, { resolver: registry });
    try {
      await client.ready();
      const load = startLoad(client);
      await expect.poll(() => load.total).toBeGreaterThan(20);
      const addedAt = Date.now();
      nodes.push(await startEchoNode('second', { registry }));
      await expect.poll(() => load.byNode.second ?? 0, { timeout: 1000, interval: 10 }).toBeGreaterThan(0);
      const firstCallAfterMs = Date.now() - addedAt;
      await load.stop();
      expect(firstCallAfterMs).toBeLessThan(1000);
      expect(load.failures).toEqual([]);
    } finally {
      await client.close();
      await stopAll(nodes);
      await registry.close();
    }
  });

  it(
    'while etcd is down calls go on over the last list and stats say so; ' + 'when it is back changes flow again',
    async () => {
      const registry = newRegistry();
      const nodes = [await startEchoNode('n1', { registry }), await startEchoNode('n2', { registry })];
      const client = createClient(Echo, { resolver: registry });
      try {
        await expect.poll(() => client.stats().endpoints.filter((e) => e.state === 'ready').length).toBe(2);
        await etcd.stop();
        await expect.poll(() => client.stats().discovery.healthy, { timeout: 5000 }).toBe(false);
        const replies = await Promise.all(Array.from({ length: 20 }, () => client.unary({ text: 'during' })));
        expect(replies.filter((r) => r.nodeId === 'n1').length).toBe(10);
        expect(client.stats().discovery.lastError).toEqual(expect.any(String));

        await etcd.restart();
        await expect.poll(() => client.stats().discovery.healthy, { timeout: 5000 }).toBe(true);
        nodes.push(await startEchoNode('n3', { registry }));
        await expect
          .poll(() => client.stats().endpoints.filter((e) => e.state === 'ready').length, { timeout: 3000 })
          .toBe(3);
        await nodes[0]!.server.shutdown({ graceMs: 0 });
        await expect
          .poll(
            () =>
              client
                .stats()
                .endpoints.map((e) => e.id)
                .sort(),
            { timeout: 3000 },
          )
          .toEqual(['n2', 'n3']);
        expect((await registry.members(SERVICE)).map((m) => m.id)).toEqual(['n2', 'n3']);
      } finally {
        await client.close();
        await stopAll(nodes);
        await registry.close();
      }
    },
  );
});
