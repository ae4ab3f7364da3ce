// Where a client's nodes come from: DNS SRV records that change while the client runs,
// and a resolver of your own. The DNS server is the tests' small one on loopback, so the
// records can change under the client.
//
//   npx tsx examples/discovery/main.ts

import { setTimeout as sleep } from 'node:timers/promises';
import { balancers, type Client, createClient, createServer, dnsResolver } from 'switchboard';
import { type DnsRecords, startDnsServer } from '../../scripts/dev/dns-server.js';
import { Greeter } from '../greeter/gen/greeter.js';

async function startNode(nodeId: string) {
  const server = createServer({ nodeId });
  server.add(Greeter, { sayHello: async (req) => ({ message: `hello ${req.name}`, nodeId }) });
  const { address, port } = await server.listen('127.0.0.1:0');
  return { server, address, port };
}

/** Waits until the client's ready nodes are `ids`, then prints them with their weights. */
async function follows(client: Client<typeof Greeter>, ids: string) {
  const ready = () => client.stats().endpoints.filter((e) => e.state === 'ready');
  while (
    ready()
      .map((e) => e.id)
      .sort()
      .join(',') !== ids ||
    ready().length !== client.stats().endpoints.length
  )
    await sleep(10);
  console.log(
    `client follows: ${ready()
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((e) => `${e.id} (weight ${e.weight})`)
      .join(', ')}`,
  );
}

const [a, b, c] = [await startNode('node-a'), await startNode('node-b'), await startNode('node-c')] as const;

console.log('== DNS SRV records');
const records: DnsRecords = {
  a: { 'greeter.test': ['127.0.0.1'] },
  srv: {
    '_grpc._tcp.greeter.test': [
      { priority: 10, weight: 1, port: a.port, target: 'greeter.test' },
      { priority: 10, weight: 3, port: b.port, target: 'greeter.test' },
    ],
  },
};
const dns = await startDnsServer(records);
// `dns:///_grpc._tcp.greeter.internal` asks the OS resolver; `dns://<server>/...` asks that server.
const resolver = dnsResolver(`dns://${dns.address}/_grpc._tcp.greeter.test`, { intervalMs: 100 });
const client = createClient(Greeter, { resolver, balancer: balancers.weighted(), deadlineMs: 2000 });
await follows(client, 'node-a,node-b');

records.srv['_grpc._tcp.greeter.test'] = [
  { priority: 10, weight: 3, port: b.port, target: 'greeter.test' },
  { priority: 10, weight: 2, port: c.port, target: 'greeter.test' },
];
console.log('records changed: node-a out, node-c in');
await follows(client, 'node-b,node-c');
const { discovery } = client.stats();
console.log(`discovery: source=${discovery.source} healthy=${discovery.healthy}`);
await client.close();
dns.close();

console.log('== a resolver of your own');
/** A node as a resolver announces it: its address, and attributes that override the node's. */
interface Listed {
  readonly address: string;
  readonly weight?: number;
}

/** The nodes of a list the program changes; every change delivers the full list. */
function listResolver(initial: readonly Listed[]) {
  let list = initial;
  const listeners = new Set<(endpoints: readonly Listed[]) => void>();
  // Any object of this shape is a resolver (its type: `Resolver`, in switchboard/extend).
  const resolver = {
    source: 'my list',
    subscribe(_service: string, onChange: (endpoints: readonly Listed[]) => void) {
      listeners.add(onChange);
      onChange(list);
      return () => listeners.delete(onChange);
    },
  };
  const set = (next: readonly Listed[]) => {
    list = next;
    for (const onChange of listeners) onChange(list);
  };
  return { resolver, set };
}

const mine = listResolver([{ address: a.address }]);
const own = createClient(Greeter, { resolver: mine.resolver, deadlineMs: 2000 });
await follows(own, 'node-a');
mine.set([{ address: a.address }, { address: c.address, weight: 5 }]);
await follows(own, 'node-a,node-c');
console.log(`source: ${own.stats().discovery.source}`);
await own.close();

await Promise.all([a, b, c].map((n) => n.server.shutdown({ graceMs: 0 })));
