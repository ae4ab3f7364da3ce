// A node that does not serve grpc.health.v1 answers the watch with UNIMPLEMENTED: the
// client takes it as serving and does not ask again while the connection stays up.
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { afterEach, expect, it } from 'vitest';
import { createClient } from 'switchboard';
import { listenOnLoopback, plainGreeter } from '../../src/cli/grpc-js-baseline.js';
import { Greeter } from '../../src/gen/demo/greeter.js';
import { Health } from '../../src/gen/grpc/health/v1/health.js';
import { methodCodec } from '../../src/schema/codec.js';

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A plain grpc-js node whose health watch runs `watch` (counted); it also serves Greeter. */
async function nodeWatching(watch: (call: grpc.ServerWritableStream<{ service: string }, unknown>) => void) {
  const server = new grpc.Server();
  const calls: string[] = [];
  const method = Health.methods.watch;
  const codec = methodCodec(Health, method);
  server.addService(
    {
      watch: {
        path: method.path,
        requestStream: false,
        responseStream: true,
        requestSerialize: codec.serializeRequest,
        requestDeserialize: codec.deserializeRequest,
        responseSerialize: codec.serializeResponse,
        responseDeserialize: codec.deserializeResponse,
      },
    } as grpc.ServiceDefinition,
    {
      watch: (call: grpc.ServerWritableStream<{ service: string }, unknown>) => {
        calls.push(call.request.service);
        watch(call);
      },
    },
  );
  server.addService(plainGreeter().service, {
    sayHello: (call: grpc.ServerUnaryCall<{ name: string }, unknown>, done: grpc.sendUnaryData<unknown>) =>
      done(null, { message: `hello ${call.request.name}`, nodeId: 'plain' }),
  });
  const address = await listenOnLoopback(server);
  closers.push(() => server.forceShutdown());
  const client = createClient(Greeter, { endpoints: [address] });
  closers.push(() => client.close());
  return { calls, state: () => client.stats().endpoints[0]?.state };
}

it('asks a node that answers the health watch with UNIMPLEMENTED once per connection', async () => {
  const node = await nodeWatching((call) =>
    call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'no health' }),
  );
  await expect.poll(node.state).toBe('ready');
  // The watch used to be opened again every second; three seconds would show three more.
  await sleep(3200);
  expect(node.calls).toHaveLength(1);
  expect(node.state()).toBe('ready');
});

it("follows the node's overall health where it does not know the service (SERVICE_UNKNOWN)", async () => {
  const overall: grpc.ServerWritableStream<{ service: string }, unknown>[] = [];
  const node = await nodeWatching((call) => {
    if (call.request.service !== '') call.write({ status: 'SERVICE_UNKNOWN' });
    else {
      overall.push(call);
      call.write({ status: 'NOT_SERVING' });
    }
  });
  await expect.poll(node.state).toBe('not-serving');
  expect(node.calls).toEqual(['demo.Greeter', '']);
  overall[0]!.write({ status: 'SERVING' });
  await expect.poll(node.state).toBe('ready');
});

it('opens the watch again after a second when the node ends it, and stays ready meanwhile', async () => {
  let first = true;
  const node = await nodeWatching((call) => {
    call.write({ status: 'SERVING' });
    // The first stream ends at once (as a proxy or a restarting health service might); the next stays.
    if (first) setImmediate(() => call.end());
    first = false;
  });
  await expect.poll(node.state).toBe('ready');
  await expect.poll(() => node.calls.length, { timeout: 3000 }).toBe(2);
  expect(node.state()).toBe('ready');
});
