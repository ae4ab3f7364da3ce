// One Greeter node in its own process (started by main.ts): prints its address, then
// serves until it is killed. main.ts freezes it with SIGSTOP / SIGCONT.
import { createServer } from 'switchboard';
import { Greeter } from '../greeter/gen/greeter.js';

const nodeId = process.argv[2] ?? 'node';
const server = createServer({ nodeId });
server.add(Greeter, {
  async sayHello(req) {
    await new Promise((resolve) => setTimeout(resolve, 1)); // a little work
    return { message: `hello ${req.name}`, nodeId };
  },
});
const { address } = await server.listen('127.0.0.1:0');
console.log(address);
process.on('SIGTERM', () => server.shutdown({ graceMs: 1000 }).then(() => process.exit(0)));
