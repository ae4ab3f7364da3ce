// A Switchboard node says who it is on its health watch's headers, so a client learns a new
// connection's identity and health from one call; it asks switchboard.v1.Node/Info only
// where the watch cannot say, and not at all of a node without a health service.
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from 'switchboard';
import { listenOnLoopback, plainGreeter } from '../../src/cli/grpc-js-baseline.js';
import { NODE_INFO_HEADER } from '../../src/common/node-info-header.js';
import { Greeter } from '../../src/gen/demo/greeter.js';
import { Health } from '../../src/gen/grpc/health/v1/health.js';
import { Node, type NodeInfo } from '../../src/gen/switchboard/v1/node.js';
import type { MethodDescriptor, ServiceDescriptor } from '../../src/schema/descriptor.js';
import { methodCodec } from '../../src/schema/codec.js';

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const infoCodec = methodCodec(Node, Node.methods.info);
const FROM_HEADER: NodeInfo = { nodeId: 'from-header', zone: 'z-header', weight: 3, labels: {}, services: [] };
const FROM_INFO: NodeInfo = { nodeId: 'from-info', zone: 'z-info', weight: 2, labels: {}, services: [] };

function definition(service: ServiceDescriptor, method: MethodDescriptor): grpc.MethodDefinition<unknown, unknown> {
  const codec = methodCodec(service, method);
  return {
    path: method.path,
    requestStream: false,
    responseStream: method.responseStream,
    requestSerialize: codec.serializeRequest,
    requestDeserialize: codec.deserializeRequest,
    responseSerialize: codec.serializeResponse,
    responseDeserialize: codec.deserializeResponse,
  };
}

/** A plain grpc-js node: Greeter, Node/Info (counted), and a health watch of the given kind. */
async function plainNode(watch: 'with-header' | 'without-header' | 'unimplemented') {
  const server = new grpc.Server();
  const counts = { info: 0, watch: 0 };
  server.addService({ watch: definition(Health, Health.methods.watch) } as grpc.ServiceDefinition, {
    watch: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      counts.watch++;
      if (watch === 'unimplemented') {
        call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'no health here' });
        return;
      }
      if (watch === 'with-header') {
        const headers = new grpc.Metadata();
        headers.set(NODE_INFO_HEADER, infoCodec.serializeResponse(FROM_HEADER));
        call.sendMetadata(headers);
      }
      call.write({ status: 'SERVING' });
    },
  });
  server.addService({ info: definition(Node, Node.methods.info) } as grpc.ServiceDefinition, {
    info: (_call: unknown, done: grpc.sendUnaryData<unknown>) => {
      counts.info++;
      done(null, FROM_INFO);
    },
  });
  server.addService(plainGreeter().service, {
    sayHello: (call: grpc.ServerUnaryCall<{ name: string }, unknown>, done: grpc.sendUnaryData<unknown>) =>
      done(null, { message: `hello ${call.request.name}`, nodeId: 'plain' }),
  });
  const address = await listenOnLoopback(server);
  closers.push(() => server.forceShutdown());
  return { address, counts };
}

async function identityOf(address: string, healthCheck = true) {
  const client = createClient(Greeter, { endpoints: [address], healthCheck });
  closers.push(() => client.close());
  await client.ready({ timeoutMs: 5000 });
  const { id, zone, weight } = client.stats().endpoints[0]!;
  return { id, zone, weight };
}

describe('node identity', () => {
  it('comes from the health watch headers of a node that sends it: no Node/Info call', async () => {
    const node = await plainNode('with-header');
    expect(await identityOf(node.address)).toEqual({ id: 'from-header', zone: 'z-header', weight: 3 });
    expect(node.counts).toEqual({ info: 0, watch: 1 });
  });

  it('is asked of Node/Info where the watch headers say nothing', async () => {
    const node = await plainNode('without-header');
    expect(await identityOf(node.address)).toEqual({ id: 'from-info', zone: 'z-info', weight: 2 });
    expect(node.counts).toEqual({ info: 1, watch: 1 });
  });

  it('is the configured one for a node without a health service (not a Switchboard node): nothing asked', async () => {
    const node = await plainNode('unimplemented');
    expect(await identityOf(node.address)).toEqual({ id: node.address, zone: '', weight: 1 });
    expect(node.counts).toEqual({ info: 0, watch: 1 });
  });

  it('is asked of Node/Info when health is not watched', async () => {
    const node = await plainNode('with-header');
    expect(await identityOf(node.address, false)).toEqual({ id: 'from-info', zone: 'z-info', weight: 2 });
    expect(node.counts).toEqual({ info: 1, watch: 0 });
  });
});
