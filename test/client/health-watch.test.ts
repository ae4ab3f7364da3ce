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

it('asks a node that answers the health watch with UNIMPLEMENTED once per connection', async () => {
  const server = new grpc.Server();
  let watches = 0;
  const watch = Health.methods.watch;
  const codec = methodCodec(Health, watch);
  server.addService(
    {
      watch: {
        path: watch.path,
        requestStream: false,
        responseStream: true,
        requestSerialize: codec.serializeRequest,
        requestDeserialize: codec.deserializeRequest,
        responseSerialize: codec.serializeResponse,
        responseDeserialize: codec.deserializeResponse,
      },
    } as grpc.ServiceDefinition,
    {
      watch: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        watches++;
        call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'no health here' });
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
  expect((await client.sayHello({ name: 'a' })).message).toBe('hello a');
  // The watch used to be opened again every second; three seconds would show three more.
  await sleep(3200);
  expect(watches).toBe(1);
  expect(client.stats().endpoints[0]?.state).toBe('ready');
});
