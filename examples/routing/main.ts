// Routing beyond round robin on four Greeter nodes: key affinity (consistentHash), a
// canary by weight and by header (route), the caller's zone first (zoneAware), a
// balancer per method, and a broadcast to every node with quorum and aggregate.
//
//   npx tsx examples/routing/main.ts

import { aggregate, balancers, createClient, createServer, quorum, seededRandom } from 'switchboard';
import { Greeter } from '../greeter/gen/greeter.js';

async function startNode(nodeId: string, zone: string, version: string) {
  // These nodes share one busy process, so the event-loop utilization they would report
  // (and zoneAware would spill on) is the whole example's: they report no load here.
  const server = createServer({ nodeId, zone, labels: { version }, loadReport: false });
  server.add(Greeter, { sayHello: async (req) => ({ message: `${version} says hello ${req.name}`, nodeId }) });
  const { address } = await server.listen('127.0.0.1:0');
  return { server, address };
}

const nodes = [
  await startNode('node-1', 'eu-1', 'v1'),
  await startNode('node-2', 'eu-1', 'v1'),
  await startNode('node-3', 'eu-2', 'v1'),
  await startNode('node-4', 'eu-2', 'v2'),
];
const endpoints = nodes.map((n) => n.address);

/**
 * Sends `calls` calls through `createClient(Greeter, { endpoints, ...options })`; returns
 * the client and who served them.
 */
async function tally(
  options: Omit<Parameters<typeof createClient<typeof Greeter>>[1], 'endpoints'>,
  calls: number,
  call = (i: number) => ({ name: `user-${i % 10}` }),
  callOptions: (i: number) => object = () => ({}),
) {
  const client = createClient(Greeter, { endpoints, deadlineMs: 2000, ...options });
  await client.ready({ all: true, timeoutMs: 5000 });
  const counts: Record<string, number> = {};
  for (let i = 0; i < calls; i++) {
    const { nodeId } = await client.sayHello(call(i), callOptions(i));
    counts[nodeId] = (counts[nodeId] ?? 0) + 1;
  }
  await client.close();
  return Object.fromEntries(Object.entries(counts).sort());
}

// 1. consistentHash: 10 users, 100 calls each; every user stays on one node.
const affinity = createClient(Greeter, { endpoints, balancer: balancers.consistentHash({ algorithm: 'maglev' }) });
await affinity.ready({ all: true, timeoutMs: 5000 });
const owners = new Map<string, Set<string>>();
for (let i = 0; i < 1000; i++) {
  const user = `user-${i % 10}`;
  const { nodeId } = await affinity.sayHello({ name: user }, { key: user });
  owners.set(user, (owners.get(user) ?? new Set()).add(nodeId));
}
console.log(
  `consistentHash: ${owners.size} users, each on one node: ${[...owners.values()].every((s) => s.size === 1)}`,
);
await affinity.close();

// 2. route: 5% to version v2, and every call with x-canary: 1.
const canary = () =>
  balancers.route({
    subsets: { stable: { labels: { version: 'v1' } }, canary: { labels: { version: 'v2' } } },
    rules: [{ when: { metadata: { 'x-canary': '1' } }, to: 'canary' }, { to: { stable: 95, canary: 5 } }],
    random: seededRandom(7),
  });
const split = await tally({ balancer: canary() }, 1000);
console.log(`route, 1000 calls: v2 (node-4) got ${((100 * (split['node-4'] ?? 0)) / 1000).toFixed(1)}%`);
const flagged = await tally({ balancer: canary() }, 20, undefined, () => ({ metadata: { 'x-canary': '1' } }));
console.log(`route, x-canary: 1: ${JSON.stringify(flagged)}`);

// 3. zoneAware: a caller in eu-1 stays in eu-1 while its nodes are healthy.
const local = await tally({ balancer: balancers.zoneAware(balancers.roundRobin, { zone: 'eu-1' }) }, 100);
console.log(`zoneAware(eu-1): ${JSON.stringify(local)}`);

// 4. Per method: sayHello hashed by the x-user header, every other method round robin.
const perMethod = await tally(
  {
    balancer: balancers.roundRobin(),
    methods: { sayHello: { balancer: balancers.consistentHash({ key: 'x-user' }) } },
  },
  50,
  undefined,
  () => ({ metadata: { 'x-user': 'ada' } }),
);
console.log(`per-method consistentHash on x-user: ${Object.keys(perMethod).length} node for 50 calls`);

// 5. Broadcast: every node answers; a quorum of 3 and an aggregate of the versions.
const client = createClient(Greeter, { endpoints });
await client.ready({ all: true, timeoutMs: 5000 });
const results = await client.broadcast.sayHello({ name: 'all' }, { deadlineMs: 1000 });
console.log(
  `broadcast: ${results.length} nodes, ok: ${results
    .filter((r) => r.ok)
    .map((r) => r.node.id)
    .join(', ')}`,
);
console.log(`quorum(3): ${quorum(results, 3).length} fastest successes`);
const versions = aggregate(
  results,
  (seen: Record<string, number>, reply) => {
    const version = reply.message.split(' ')[0]!;
    return { ...seen, [version]: (seen[version] ?? 0) + 1 };
  },
  {},
);
console.log(`aggregate: ${JSON.stringify(versions.value)}, failed ${versions.failed}`);
await client.close();

await Promise.all(nodes.map((n) => n.server.shutdown({ graceMs: 0 })));
