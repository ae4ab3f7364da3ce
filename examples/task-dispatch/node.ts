// One Greeter node in its own process, so that main.ts can kill it with a signal.
// Prints its address on the first line of stdout; each task takes 2 ms of "work".
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer } from 'switchboard';
import { Greeter } from '../greeter/gen/greeter.js';

const nodeId = process.argv[2] ?? 'node';
const server = createServer({ nodeId });
server.add(Greeter, {
  async sayHello(req) {
    await sleep(2);
    return { message: `done ${req.name}`, nodeId };
  },
});
const { address } = await server.listen('127.0.0.1:0');
console.log(address);
