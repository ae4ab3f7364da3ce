// Two Switchboard nodes serving demo.Greeter, one client spreading calls over them:
// unary, server stream, client stream, bidi, an error from a handler, and the stats.
//
//   npx tsx examples/greeter/main.ts

import { balancers, createClient, createServer, RpcError, Status } from 'switchboard';
import { Greeter, type HelloRequest } from './gen/greeter.js';

/** Starts one node serving every Greeter method; replies name the node that answered. */
async function startNode(nodeId: string, zone: string) {
  const server = createServer({ nodeId, zone, weight: 1 });
  server.add(Greeter, {
    async sayHello(req) {
      if (req.name === '') throw new RpcError(Status.INVALID_ARGUMENT, 'name must not be empty');
      return { message: `hello ${req.name}`, nodeId };
    },
    async *streamHellos(req) {
      for (const name of req.names) yield { message: `hello ${name}`, nodeId };
    },
    async collectHellos(requests) {
      const names: string[] = [];
      for await (const req of requests) names.push(req.name);
      return { count: names.length, joined: names.join(', ') };
    },
    async *chat(requests) {
      for await (const req of requests) yield { message: `hi ${req.name}, nice to meet you`, nodeId };
    },
  });
  const { address } = await server.listen('127.0.0.1:0');
  return { server, address };
}

async function* names(list: readonly string[]): AsyncGenerator<HelloRequest> {
  for (const name of list) yield { name };
}

const nodes = [await startNode('node-a', 'eu-1'), await startNode('node-b', 'eu-2')];
const client = createClient(Greeter, {
  endpoints: nodes.map((node) => node.address),
  balancer: balancers.roundRobin(),
  deadlineMs: 2000,
});
await client.ready({ all: true, timeoutMs: 5000 });

console.log('== unary: sayHello, round robin over two nodes');
const answeredBy: string[] = [];
for (const name of ['ada', 'grace', 'alan', 'edsger']) {
  const reply = await client.sayHello({ name });
  answeredBy.push(reply.nodeId);
  console.log(`${reply.message} (from ${reply.nodeId})`);
}
const alternates = answeredBy.every((id, i) => i === 0 || id !== answeredBy[i - 1]);
console.log(`4 calls, ${new Set(answeredBy).size} nodes, alternating: ${alternates}`);

console.log('== server stream: streamHellos');
const streamedBy = new Set<string>();
for await (const reply of client.streamHellos({ names: ['ada', 'grace', 'alan'] })) {
  streamedBy.add(reply.nodeId);
  console.log(reply.message);
}
console.log(`one stream, one node: ${streamedBy.size === 1}`);

console.log('== client stream: collectHellos');
const summary = await client.collectHellos(names(['ada', 'grace', 'alan']));
console.log(`count=${summary.count} joined="${summary.joined}"`);

console.log('== bidi: chat');
for await (const reply of client.chat(names(['ada', 'grace']))) console.log(reply.message);

console.log('== error from a handler');
try {
  await client.sayHello({ name: '' });
} catch (error) {
  if (!(error instanceof RpcError)) throw error;
  console.log(`code=${error.code} (${error.codeName}) details="${error.details}"`);
  console.log(`message: ${error.message}`);
}

console.log('== client.stats()');
const stats = client.stats();
console.log(`balancer=${stats.balancer} calls=${stats.calls} failures=${stats.failures}`);
for (const e of [...stats.endpoints].sort((a, b) => a.id.localeCompare(b.id))) {
  console.log(`${e.id} zone=${e.zone} calls=${e.calls} p50=${e.latencyMs.p50.toFixed(2)}ms`);
}

await client.close();
await Promise.all(nodes.map((node) => node.server.shutdown({ graceMs: 1000 })));
console.log('== done');
