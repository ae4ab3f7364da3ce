// Nodes join and leave a running cluster through an etcd registry; a client that knows
// only the registry follows them. Each node registers `/example/demo.Greeter/<nodeId>`
// under a lease when it listens and deregisters first when it shuts down.
//
//   npx tsx examples/etcd-cluster/main.ts            # starts a throwaway etcd on loopback
//   ETCD_HOSTS=127.0.0.1:2379 npx tsx examples/etcd-cluster/main.ts   # or uses yours

import { setTimeout as sleep } from 'node:timers/promises';
import { type Client, createClient, createServer, etcdRegistry, type Server } from 'switchboard';
import { startEtcd } from '../../scripts/dev/etcd.js';
import { Greeter } from '../greeter/gen/greeter.js';

const etcd = process.env.ETCD_HOSTS ? undefined : await startEtcd();
const registry = etcdRegistry({ hosts: process.env.ETCD_HOSTS ?? etcd!.host, prefix: 'example', ttlS: 5 });

/** Starts a Greeter node that registers itself in etcd. */
async function startNode(nodeId: string, zone: string): Promise<Server> {
  // `advertise`: the host other hosts reach the node at, registered with the bound port.
  // A node listening on 0.0.0.0 needs it (its host name or IP); here it is loopback too.
  const server = createServer({ nodeId, zone, registry, advertise: 'localhost' });
  server.add(Greeter, {
    async sayHello(req) {
      return { message: `hello ${req.name}`, nodeId };
    },
  });
  await server.listen('127.0.0.1:0');
  return server;
}

/** Prints the registry's view, waits until the client follows it, then sends `calls` calls. */
async function show(client: Client<typeof Greeter>, calls: number) {
  const members = await registry.members(Greeter.name);
  console.log(`members: ${members.map((m) => `${m.id} (${m.zone})`).join(', ')}`);
  const ids = members.map((m) => m.id).join(',');
  const following = () => {
    const ready = client.stats().endpoints.filter((e) => e.state === 'ready');
    return (
      ready
        .map((e) => e.id)
        .sort()
        .join(',') === ids && ready.length === client.stats().endpoints.length
    );
  };
  while (!following()) await sleep(10);
  const counts = new Map<string, number>();
  for (let i = 0; i < calls; i++) {
    const { nodeId } = await client.sayHello({ name: `call-${i}` });
    counts.set(nodeId, (counts.get(nodeId) ?? 0) + 1);
  }
  console.log(
    `${calls} calls: ${[...counts]
      .sort()
      .map(([id, n]) => `${id}=${n}`)
      .join(' ')}`,
  );
}

const nodes = new Map<string, Server>();
nodes.set('node-1', await startNode('node-1', 'eu-1'));
nodes.set('node-2', await startNode('node-2', 'eu-2'));
const client = createClient(Greeter, { resolver: registry, deadlineMs: 2000 });

console.log('== two nodes registered');
await show(client, 40);

console.log('== node-3 joins');
nodes.set('node-3', await startNode('node-3', 'eu-1'));
await show(client, 60);

console.log('== node-1 shuts down: deregisters, then drains');
await nodes.get('node-1')!.shutdown({ graceMs: 1000 });
nodes.delete('node-1');
await show(client, 40);

const { discovery } = client.stats();
console.log(`discovery: healthy=${discovery.healthy} lastError=${discovery.lastError ?? 'none'}`);

await client.close();
await Promise.all([...nodes.values()].map((node) => node.shutdown({ graceMs: 1000 })));
await registry.close();
await etcd?.close();
