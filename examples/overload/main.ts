// Overload on the client side: a concurrency limit per node with a bounded queue, and the
// adaptive throttle against a node that refuses everything.
//
//   npx tsx examples/overload/main.ts

import { createClient, createServer, RpcError, Status, seededRandom } from 'switchboard';
import { Greeter } from '../greeter/gen/greeter.js';

/** A node whose calls take 50 ms, or that refuses every call (as an overloaded node does). */
async function startNode(nodeId: string, refuse = false) {
  const server = createServer({ nodeId });
  server.add(Greeter, {
    async sayHello(req) {
      if (refuse) throw new RpcError(Status.RESOURCE_EXHAUSTED, `${nodeId} is overloaded`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { message: `hello ${req.name}`, nodeId };
    },
  });
  const { address } = await server.listen('127.0.0.1:0');
  return { server, address };
}

const nodes = [await startNode('node-a'), await startNode('node-b')];
const client = createClient(Greeter, {
  endpoints: nodes.map((n) => n.address),
  deadlineMs: 2000,
  concurrencyLimit: 4, // calls in flight per node ('adaptive' follows the node's latency)
  concurrencyQueueLimit: 8, // calls that may wait for a slot when every node is at its limit
});
await client.ready({ all: true });

// 40 calls at once: 8 go out (4 per node), 8 wait for a slot, 24 are refused at once.
const outcomes = await Promise.all(
  Array.from({ length: 40 }, (_, i) =>
    client.sayHello({ name: String(i) }).then(
      () => 'ok',
      (error: RpcError) => error,
    ),
  ),
);
const refused = outcomes.filter((o): o is RpcError => o !== 'ok');
console.log(`== concurrency limit: 40 calls, ${outcomes.length - refused.length} answered, ${refused.length} refused`);
console.log(`refused: ${Status[refused[0]!.code]}: ${refused[0]!.details}`);
const stats = client.stats();
for (const e of stats.endpoints) console.log(`${e.id}: limit ${e.concurrencyLimit}, ${e.calls} calls`);
const queue = stats.concurrencyQueue!;
console.log(`queue: ${queue.waiting} waiting, limit ${queue.limit}, ${queue.refused} refused`);
await client.close();

// A node that refuses everything: after the first refusals the client refuses most calls
// itself, with probability max(0, (requests − 2·accepts) / (requests + 1)).
const refusing = await startNode('node-c', true);
const throttled = createClient(Greeter, { endpoints: [refusing.address], random: seededRandom(1) });
await throttled.ready();
let local = 0;
for (let i = 0; i < 100; i++) {
  await throttled.sayHello({ name: 'x' }).catch((error: RpcError) => {
    if (error.details.includes('adaptive throttle')) local++;
  });
}
const t = throttled.stats().throttle!;
console.log('== adaptive throttle: 100 calls to a node that refuses them all');
console.log(`node-c saw ${throttled.stats().calls}, the client refused ${local} itself`);
console.log(
  `throttle: ${t.requests} requests, ${t.accepts} accepted, reject probability ${t.rejectProbability.toFixed(2)}`,
);
await throttled.close();
await Promise.all([...nodes, refusing].map((n) => n.server.shutdown({ graceMs: 0 })));
