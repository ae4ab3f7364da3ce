// Deadline propagation: a frontend node's handler calls a backend node through a client,
// passing nothing on, and the backend call still gets the caller's deadline (less 5 ms)
// and is cancelled with the caller's call; a call that opts out keeps its own.
//
//   npx tsx examples/deadline-propagation/main.ts

import { EventEmitter, once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CallOptions, createClient, createServer, type RpcError } from 'switchboard';
import { Greeter } from '../greeter/gen/greeter.js';

// --- backend: slow for "slow"; says when each call starts and how it ended -----------------

const backendCalls = new EventEmitter();
const backend = createServer({ nodeId: 'backend' });
backend.add(Greeter, {
  async sayHello(req, ctx) {
    // The deadline as ms from now, rounded to 100 ms: what this node was given.
    const deadline =
      ctx.deadline === undefined ? 'none' : `${Math.round((ctx.deadline.getTime() - Date.now()) / 100) * 100} ms`;
    backendCalls.emit('started');
    let ended = 'answered';
    if (req.name === 'slow') {
      await sleep(10_000, undefined, { signal: ctx.signal }).catch(() => {
        ended = 'cancelled';
      });
    }
    backendCalls.emit('ended', `backend: ${req.name}, deadline ${deadline}, ${ended}`);
    return { message: `hello ${req.name}`, nodeId: 'backend' };
  },
});
const backendAddress = (await backend.listen('127.0.0.1:0')).address;

// --- frontend: calls the backend from its handler -------------------------------------------

const toBackend = createClient(Greeter, { endpoints: [backendAddress] });
const frontend = createServer({ nodeId: 'frontend' });
frontend.add(Greeter, {
  async sayHello(req) {
    // Work that must outlive this call opts out: it keeps its own deadline and is not cancelled.
    if (req.name === 'audit') {
      await toBackend.sayHello(req, { inheritDeadline: false, deadlineMs: 5000 });
      return { message: 'audited', nodeId: 'frontend' };
    }
    // No deadline, no signal given: both come from the call being handled.
    return { message: (await toBackend.sayHello(req)).message, nodeId: 'frontend' };
  },
});
const frontendAddress = (await frontend.listen('127.0.0.1:0')).address;

// --- the caller -------------------------------------------------------------------------

const client = createClient(Greeter, { endpoints: [frontendAddress] });
await Promise.all([client.ready(), toBackend.ready()]);
/** Calls the frontend and prints its answer, then what the backend saw of its own call. */
async function call(name: string, options: CallOptions): Promise<void> {
  const backendEnded = once(backendCalls, 'ended');
  const answer = await client.sayHello({ name }, options).then(
    (reply) => reply.message,
    (error: RpcError) => error.codeName,
  );
  console.log(`caller: ${name} -> ${answer}`);
  console.log(...(await backendEnded));
}

await call('ada', { deadlineMs: 1000 });
await call('slow', { deadlineMs: 300 });
const controller = new AbortController();
void once(backendCalls, 'started').then(() => controller.abort());
await call('slow', { signal: controller.signal });
await call('audit', { deadlineMs: 1000 });

await Promise.all([client.close(), toBackend.close()]);
await Promise.all([frontend.shutdown({ graceMs: 0 }), backend.shutdown({ graceMs: 0 })]);
