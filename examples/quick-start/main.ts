import { balancers, createClient, createServer, RpcError, Status } from 'switchboard';
import { Greeter } from './gen/greeter.js';

const server = createServer({ nodeId: 'node-a', zone: 'eu-1', weight: 2 });
server.add(Greeter, {
  async sayHello(req) {
    if (!req.name) throw new RpcError(Status.INVALID_ARGUMENT, 'name is required');
    return { message: `hello ${req.name}`, nodeId: 'node-a' };
  },
});
const { address } = await server.listen('127.0.0.1:0');

const client = createClient(Greeter, { endpoints: [address], balancer: balancers.leastLoad(), deadlineMs: 2000 });
const reply = await client.sayHello({ name: 'ada' }, { metadata: { 'x-user': 'ada' } });
console.log(reply.message, client.stats().endpoints[0]?.latencyMs.p99);
await client.close();
await server.shutdown({ graceMs: 5000 });
