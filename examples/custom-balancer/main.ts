// A custom balancer (primary-backup.ts, under 40 lines) used directly and by name through
// the registry, on three Greeter nodes with priorities 1, 2 and 3.
//
//   npx tsx examples/custom-balancer/main.ts

import { createBalancer, createClient, createServer } from 'switchboard';
import { registerBalancer } from 'switchboard/extend';
import { Greeter } from '../greeter/gen/greeter.js';
import { primaryBackup } from './primary-backup.js';

async function startNode(nodeId: string, priority: string) {
  const server = createServer({ nodeId, labels: { priority } });
  server.add(Greeter, { sayHello: async (req) => ({ message: `hello ${req.name}`, nodeId }) });
  const { address } = await server.listen('127.0.0.1:0');
  return { server, address };
}

const nodes = [await startNode('node-c', '3'), await startNode('node-a', '1'), await startNode('node-b', '2')];

// Configuration can now name it: { "balancer": "primaryBackup" }.
registerBalancer('primaryBackup', primaryBackup);
const client = createClient(Greeter, {
  endpoints: nodes.map((n) => n.address),
  balancer: createBalancer('primaryBackup'),
});
await client.ready({ all: true, timeoutMs: 5000 });

async function tally(calls: number): Promise<string> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < calls; i++) {
    const { nodeId } = await client.sayHello({ name: String(i) });
    counts[nodeId] = (counts[nodeId] ?? 0) + 1;
  }
  return JSON.stringify(counts);
}

console.log(`balancer: ${client.stats().balancer}`);
console.log(`all up: ${await tally(20)}`);
await nodes[1]!.server.shutdown({ graceMs: 0 });
console.log(`primary node-a stopped: ${await tally(20)}`);

await client.close();
await Promise.all([nodes[0]!.server.shutdown({ graceMs: 0 }), nodes[2]!.server.shutdown({ graceMs: 0 })]);
