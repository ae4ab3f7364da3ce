import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Client,
  createBalancer,
  createClient,
  createServer,
  loadService,
  RpcError,
  type Server,
  Status,
} from 'switchboard';
import { methodCodec } from '../../src/schema/codec.js';
import { Echo } from '../gen/echo.js';
import { Kitchen } from '../gen/kitchen.js';
import { useEchoCluster } from '../helpers/echo-cluster.js';
import type { EchoNode } from '../helpers/echo-nodes.js';

/**
 * Bad input of every kind gets an error that names what was wrong (docs/design.md, quality bars), and a
 * node that saw it keeps serving. Each row: what is done, the error class or status code,
 * and text the message must contain.
 */
interface Case {
  readonly name: string;
  readonly run: () => unknown;
  readonly expect: { readonly type: 'Error' | 'TypeError' | 'RangeError' } | { readonly code: Status };
  readonly message: string | RegExp;
}

const cluster = useEchoCluster();
let dir: string;
let node: EchoNode;
let client: Client<typeof Echo>;
let badReplies: Server;
let badReplyAddress: string;

const raw = (address: string, pathName: string, bytes: Buffer) =>
  new Promise<unknown>((resolve, reject) => {
    const c = new grpc.Client(address, grpc.credentials.createInsecure());
    const id = (b: Buffer) => b;
    c.makeUnaryRequest(pathName, id, id, bytes, (error, value) => {
      c.close();
      if (error) reject(new RpcError(error.code, error.details));
      else resolve(value);
    });
  });

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'switchboard-bad-input-'));
  writeFileSync(
    path.join(dir, 'broken.proto'),
    'syntax = "proto3";\npackage broken;\n\nmessage A {\n  string name = ;\n}\n',
  );
  node = await cluster.startNode('bad-input-node');
  client = cluster.client({ retry: { maxAttempts: 1 } });
  badReplies = createServer({ nodeId: 'bad-replies', onHandlerError: () => {} });
  badReplies.add(Echo, {
    // Wrong on purpose: the types say number, the handler sends text.
    unary: async () => ({ text: 'ok', index: 'first' as unknown as number }),
    serverStream: (() => 'not a stream') as never,
  });
  badReplyAddress = (await badReplies.listen('127.0.0.1:0')).address;
});

afterAll(async () => {
  await badReplies?.shutdown({ graceMs: 0 });
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `work` with a client of the node whose handlers answer wrongly. */
function withBadReplies<T>(work: (c: Client<typeof Echo>) => Promise<T>): Promise<T> {
  return work(cluster.client({ endpoints: [badReplyAddress] }));
}

const order = Kitchen.methods.place;
const orderCodec = () => methodCodec(Kitchen, order);

const cases: Case[] = [
  {
    name: 'malformed .proto: file and line',
    run: () => loadService(path.join(dir, 'broken.proto'), 'broken.S'),
    expect: { type: 'Error' },
    message: /illegal id ';' \(.*broken\.proto, line 5\)/,
  },
  {
    name: 'unknown service name',
    run: () => loadService('test/protos/echo.proto', 'test.echo.Nope'),
    expect: { type: 'Error' },
    message: 'service test.echo.Nope is not defined in test/protos/echo.proto (services there: test.echo.Echo)',
  },
  {
    name: 'handler for an unknown method name',
    run: () => createServer({ nodeId: 'x' }).add(Echo, { nope: async () => ({}) } as never),
    expect: { type: 'Error' },
    message: 'handler nope is not a method of test.echo.Echo (methods: unary, write, serverStream, clientStream, bidi)',
  },
  {
    name: 'call to an unknown method',
    run: () => raw(node.address, '/test.echo.Echo/Nope', Buffer.alloc(0)),
    expect: { code: Status.UNIMPLEMENTED },
    message: 'The server does not implement the method /test.echo.Echo/Nope',
  },
  {
    name: 'call to an unknown service',
    run: () => raw(node.address, '/test.nope.Nope/Unary', Buffer.alloc(0)),
    expect: { code: Status.UNIMPLEMENTED },
    message: '/test.nope.Nope/Unary',
  },
  {
    name: 'request field of the wrong type',
    run: () => client.unary({ text: 'x', count: 'three' as unknown as number }),
    expect: { code: Status.INVALID_ARGUMENT },
    message: 'INVALID_ARGUMENT: test.echo.EchoRequest: field "count": expected int32 (an integer), got string "three"',
  },
  {
    name: 'request that is not an object',
    run: () => client.unary('hello' as never),
    expect: { code: Status.INVALID_ARGUMENT },
    message: 'test.echo.EchoRequest: expected an object, got string "hello"',
  },
  {
    name: 'wrong type in a stream of requests',
    run: () => client.clientStream([{ text: 'a' }, { text: 7 as unknown as string }]),
    expect: { code: Status.INVALID_ARGUMENT },
    message: 'field "text": expected string (a string), got number 7',
  },
  {
    name: 'nested field, repeated element, enum name, int64 text',
    run: () =>
      orderCodec().serializeRequest({
        id: '12',
        color: 'COLOR_RED',
        items: [{ name: 'soup' }, { name: 'tea', quantity: 1.5 }],
      }),
    expect: { type: 'TypeError' },
    message: 'test.kitchen.v1.Order: field "items[1].quantity": expected uint32 (an integer), got number 1.5',
  },
  {
    name: 'unknown enum name',
    run: () => orderCodec().serializeRequest({ priority: 'URGENT' }),
    expect: { type: 'TypeError' },
    message:
      'field "priority": expected test.kitchen.v1.Priority ' +
      '(one of PRIORITY_UNSPECIFIED, PRIORITY_LOW, PRIORITY_HIGH, or its number), got string "URGENT"',
  },
  {
    name: 'int64 that is not a number',
    run: () => orderCodec().serializeRequest({ counters: { a: '1', b: 'lots' } }),
    expect: { type: 'TypeError' },
    message: 'field "counters.b": expected int64 (an integer, or a decimal string), got string "lots"',
  },
  {
    name: 'request bytes that are not the request type',
    run: () => raw(node.address, '/test.echo.Echo/Unary', Buffer.from([0x0a, 0xff, 0xff])),
    expect: { code: Status.INVALID_ARGUMENT },
    message: /INVALID_ARGUMENT: request is not a valid test\.echo\.EchoRequest: index out of range/,
  },
  {
    name: 'invalid address',
    run: () => createClient(Echo, { endpoints: ['localhost'] }),
    expect: { type: 'TypeError' },
    message: 'createClient(test.echo.Echo): invalid address "localhost", expected "host:port" with a port 1-65535',
  },
  {
    name: 'port out of range',
    run: () => createClient(Echo, { endpoints: ['127.0.0.1:70000'] }),
    expect: { type: 'TypeError' },
    message: 'invalid address "127.0.0.1:70000"',
  },
  {
    name: 'server listen on a bad port',
    run: () => createServer({ nodeId: 'p' }).listen('127.0.0.1:99999'),
    expect: { type: 'Error' },
    message: 'node p cannot listen on 127.0.0.1:99999',
  },
  {
    name: 'empty endpoint list',
    run: () => createClient(Echo, { endpoints: [] }),
    expect: { type: 'TypeError' },
    message: 'createClient(test.echo.Echo): endpoints must be a non-empty list of "host:port" addresses',
  },
  {
    name: 'balancer name not registered',
    run: () => createBalancer('fastest'),
    expect: { type: 'Error' },
    message: /unknown balancer "fastest"; registered: .*roundRobin/,
  },
  {
    name: 'handler that throws',
    run: () => client.unary({ text: 'throw' }),
    expect: { code: Status.INTERNAL },
    message: 'INTERNAL: handler of /test.echo.Echo/Unary failed',
  },
  {
    name: 'handler that returns the wrong type',
    run: () => withBadReplies((c) => c.unary({})),
    expect: { code: Status.INTERNAL },
    message:
      'handler of /test.echo.Echo/Unary returned an invalid test.echo.EchoReply: ' +
      'field "index": expected int32 (an integer), got string "first"',
  },
  {
    name: 'stream handler that returns no stream',
    run: () =>
      withBadReplies(async (c) => {
        for await (const _ of c.serverStream({ count: 1 })) return _;
      }),
    expect: { code: Status.INTERNAL },
    message: 'INTERNAL: handler of /test.echo.Echo/ServerStream failed',
  },
  {
    name: 'huge metadata',
    run: () => client.unary({ text: 'x' }, { metadata: { 'x-huge': 'a'.repeat(1024 * 1024) } }),
    expect: { code: Status.RESOURCE_EXHAUSTED },
    message:
      '/test.echo.Echo/Unary RESOURCE_EXHAUSTED: request metadata is 1048614 bytes, ' +
      'over the limit of 65536 (maxMetadataBytes)',
  },
];

describe('bad input gets a clear error', () => {
  it.each(cases)('$name', async ({ run, expect: expected, message }) => {
    const error = await (async () => run())().then(
      () => undefined,
      (e: unknown) => e,
    );
    if ('code' in expected) {
      expect(error).toBeInstanceOf(RpcError);
      expect((error as RpcError).code).toBe(expected.code);
    } else {
      expect((error as Error).constructor.name).toBe(expected.type);
    }
    if (typeof message === 'string') expect((error as Error).message).toContain(message);
    else expect((error as Error).message).toMatch(message);
  });

  it('leaves the nodes serving', async () => {
    await expect(client.unary({ text: 'still here' })).resolves.toMatchObject({
      text: 'still here',
      nodeId: 'bad-input-node',
    });
    await expect(withBadReplies((c) => c.write({ text: 'fine' }))).rejects.toMatchObject({
      code: Status.UNIMPLEMENTED,
    });
  });
});
