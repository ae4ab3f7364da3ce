// Three nodes of different capacity announce weights 1, 2 and 3; a client with
// `balancers.weighted()` learns the weights from the nodes and sends each its share.
// `balancers.roundRobin()` on the same nodes, for contrast, ignores them; a third run
// overrides the announced weights in the client's endpoint list.
//
//   npx tsx examples/weighted-nodes/main.ts

import { type Balancer, balancers, type EndpointInput, createClient, createServer } from 'switchboard';
import { Greeter } from '../greeter/gen/greeter.js';

const CALLS = 600;

/** Starts a Greeter node that announces `weight` to its clients. */
async function startNode(nodeId: string, weight: number) {
  const server = createServer({ nodeId, weight });
  // Only sayHello is served; the other Greeter methods answer UNIMPLEMENTED.
  server.add(Greeter, {
    async sayHello(req) {
      return { message: `hello ${req.name}`, nodeId };
    },
  });
  const { address } = await server.listen('127.0.0.1:0');
  return { server, address };
}

/** Sends `calls` sequential unary calls through `balancer` and prints each node's share. */
async function run(title: string, endpoints: readonly EndpointInput[], balancer: Balancer, calls: number) {
  const client = createClient(Greeter, { endpoints, balancer, deadlineMs: 2000 });
  // A node is offered to the balancer once it is connected and has announced its weight;
  // measuring before every node is ready would skew the first shares.
  await client.ready({ all: true, timeoutMs: 5000 });
  for (let i = 0; i < calls; i++) await client.sayHello({ name: `call-${i}` });

  const stats = client.stats();
  const totalWeight = stats.endpoints.reduce((sum, e) => sum + e.weight, 0);
  console.log(`== ${title}: ${stats.calls} calls`);
  for (const e of stats.endpoints) {
    const share = (100 * e.share).toFixed(1);
    const byWeight = (100 * (e.weight / totalWeight)).toFixed(1);
    console.log(`${e.id} weight=${e.weight} calls=${e.calls} share=${share}% (by weight ${byWeight}%)`);
  }
  await client.close();
}

const nodes = [await startNode('node-1', 1), await startNode('node-2', 2), await startNode('node-3', 3)];
const addresses = nodes.map((node) => node.address);

// No weights here: each node announces its own (createServer({ weight })).
await run('weighted()', addresses, balancers.weighted(), CALLS);
await run('roundRobin()', addresses, balancers.roundRobin(), CALLS);

// `{ address, weight }` overrides what the node announces, e.g. to drain node-3 gently
// or to trust a capacity estimate the nodes do not know about.
const overridden = [
  { address: addresses[0]!, weight: 3 },
  { address: addresses[1]!, weight: 2 },
  { address: addresses[2]!, weight: 1 },
];
await run('weighted(), weights overridden 3/2/1 by the client', overridden, balancers.weighted(), 60);

await Promise.all(nodes.map((node) => node.server.shutdown({ graceMs: 1000 })));
