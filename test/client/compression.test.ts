import { once } from 'node:events';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createServer, type RpcError, type Server, Status } from 'switchboard';
import { methodCodec } from '../../src/schema/codec.js';
import { Echo, type EchoReply, type EchoRequest } from '../gen/echo.js';

const unaryCodec = methodCodec(Echo, Echo.methods.unary);
const UNARY = Echo.methods.unary.path;
/** Compresses well, so a compressed frame is much smaller than the message. */
const LONG_TEXT = 'switchboard '.repeat(2000);

/** One gRPC message frame: compressed flag, 4-byte length, bytes. */
function frame(flag: 0 | 1, bytes: Uint8Array): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(flag, 0);
  header.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([header, bytes]);
}

function unframe(data: Buffer): { flag: number; bytes: Buffer } {
  return { flag: data.readUInt8(0), bytes: data.subarray(5, 5 + data.readUInt32BE(1)) };
}

/** What a peer received for one unary call. */
interface Received {
  readonly authority: string | undefined;
  readonly encoding: string | undefined;
  readonly flag: number;
  readonly wireBytes: number;
  readonly request: EchoRequest;
}

/**
 * A gRPC peer made of node:http2, to see the bytes grpc-js sends (grpc-js decompresses
 * before a handler sees anything) and to send compressed responses (a grpc-js server
 * never does): it answers Echo/Unary with a gzip-compressed reply (one that does not
 * decompress to the text 'garbage'), anything else with UNIMPLEMENTED.
 */
async function startPeer(): Promise<{ address: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      if (headers[':path'] !== UNARY) {
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(Status.UNIMPLEMENTED) },
          { endStream: true },
        );
        return;
      }
      const encoding = headers['grpc-encoding'] as string | undefined;
      const { flag, bytes } = unframe(Buffer.concat(chunks));
      const plain = flag === 0 ? bytes : encoding === 'deflate' ? inflateSync(bytes) : gunzipSync(bytes);
      const request = unaryCodec.deserializeRequest(plain) as EchoRequest;
      received.push({ authority: headers[':authority'], encoding, flag, wireBytes: bytes.length, request });
      const reply: Partial<EchoReply> = { text: `peer got ${request.text.length} chars`, nodeId: 'peer' };
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-encoding': 'gzip' },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      // A request for 'garbage' gets a reply flagged compressed that is not gzip.
      const body = gzipSync(unaryCodec.serializeResponse(reply));
      stream.end(frame(1, request.text === 'garbage' ? Buffer.from('this is not gzip') : body));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
      }),
  };
}

/** A raw HTTP/2 call to a node: the response's headers, trailers and message frames. */
async function rawCall(address: string, headers: http2.OutgoingHttpHeaders, body: Buffer) {
  const session = http2.connect(`http://${address}`);
  try {
    const stream = session.request({
      ':method': 'POST',
      ':path': UNARY,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...headers,
    });
    let responseHeaders: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const data: Buffer[] = [];
    stream.on('response', (h) => (responseHeaders = h));
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (chunk: Buffer) => data.push(chunk));
    stream.end(body);
    await once(stream, 'close');
    // A trailers-only response carries the status in its headers.
    const status = trailers['grpc-status'] ?? responseHeaders['grpc-status'];
    const message = trailers['grpc-message'] ?? responseHeaders['grpc-message'];
    return {
      headers: responseHeaders,
      status: Number(status),
      message: decodeURIComponent(String(message ?? '')),
      data: Buffer.concat(data),
    };
  } finally {
    session.close();
  }
}

describe('compression', () => {
  let peer: Awaited<ReturnType<typeof startPeer>>;
  let node: Server;
  let nodeAddress: string;
  const handled: string[] = [];

  beforeAll(async () => {
    peer = await startPeer();
    node = createServer({ nodeId: 'compression-node', onHandlerError: () => {} });
    node.add(Echo, {
      unary: async (req) => {
        handled.push(req.text);
        return { text: `${req.text.length}`, nodeId: 'compression-node' };
      },
      clientStream: async (requests) => {
        let total = 0;
        for await (const req of requests) {
          handled.push(req.text);
          total += req.text.length;
        }
        return { text: `${total}`, nodeId: 'compression-node' };
      },
    });
    nodeAddress = (await node.listen('127.0.0.1:0')).address;
  });
  afterAll(async () => {
    await peer?.close();
    await node?.shutdown({ graceMs: 0 });
  });

  const peerClient = (compression?: 'gzip' | 'deflate' | 'identity') =>
    createClient(Echo, { endpoints: [peer.address], healthCheck: false, retry: { maxAttempts: 1 }, compression });

  it('a gzip client sends gzip-compressed messages, and decodes the gzip response', async () => {
    const client = peerClient('gzip');
    try {
      const reply = await client.unary({ text: LONG_TEXT });
      expect(reply).toEqual({ text: `peer got ${LONG_TEXT.length} chars`, nodeId: 'peer', index: 0 });
      const got = peer.received.at(-1)!;
      expect([got.encoding, got.flag, got.request.text]).toEqual(['gzip', 1, LONG_TEXT]);
      expect(got.wireBytes).toBeLessThan(LONG_TEXT.length / 20);
    } finally {
      await client.close();
    }
  });

  it("sends the endpoint's address as :authority", async () => {
    const client = peerClient();
    try {
      await client.unary({ text: 'who' });
      expect(peer.received.at(-1)!.authority).toBe(peer.address);
    } finally {
      await client.close();
    }
  });

  it('a compressed response that does not decompress fails the call, naming why; the client goes on', async () => {
    const client = peerClient();
    try {
      const error = (await client.unary({ text: 'garbage' }).catch((e: unknown) => e)) as RpcError;
      expect([error.code, error.details]).toEqual([Status.INTERNAL, 'Failed to decompress gzip-encoded message']);
      expect((await client.unary({ text: 'fine' })).text).toBe('peer got 4 chars');
    } finally {
      await client.close();
    }
  });

  it('a deflate client sends deflate-compressed messages', async () => {
    const client = peerClient('deflate');
    try {
      await client.unary({ text: LONG_TEXT });
      const got = peer.received.at(-1)!;
      expect([got.encoding, got.flag, got.request.text]).toEqual(['deflate', 1, LONG_TEXT]);
    } finally {
      await client.close();
    }
  });

  it(
    "a call with compression 'identity' goes uncompressed on a gzip client; " + 'the next call is compressed again',
    async () => {
      const client = peerClient('gzip');
      try {
        await client.unary({ text: LONG_TEXT }, { compression: 'identity' });
        const plain = peer.received.at(-1)!;
        expect([plain.encoding, plain.flag, plain.request.text]).toEqual(['gzip', 0, LONG_TEXT]);
        expect(plain.wireBytes).toBeGreaterThan(LONG_TEXT.length);
        await client.unary({ text: LONG_TEXT }, { compression: 'gzip' });
        expect(peer.received.at(-1)!.flag).toBe(1);
      } finally {
        await client.close();
      }
    },
  );

  it('a client without compression sends plain messages and still decodes a compressed response', async () => {
    const client = peerClient();
    try {
      const reply = await client.unary({ text: 'short' });
      expect(reply.text).toBe('peer got 5 chars');
      const got = peer.received.at(-1)!;
      expect([got.encoding, got.flag]).toEqual([undefined, 0]);
    } finally {
      await client.close();
    }
  });

  it('refuses a per-call algorithm the client was not created with, and an unknown algorithm', async () => {
    const client = peerClient();
    try {
      await expect(client.unary({ text: 'x' }, { compression: 'gzip' })).rejects.toThrow(
        /compression 'gzip' needs a client created with compression 'gzip' \(this one has no compression\)/,
      );
    } finally {
      await client.close();
    }
    expect(() => createClient(Echo, { endpoints: [peer.address], compression: 'br' as 'gzip' })).toThrow(
      /compression must be 'gzip', 'deflate' or 'identity', got br/,
    );
  });

  it('a gzip request reaches the handler decoded, unary and streamed', async () => {
    const client = createClient(Echo, { endpoints: [nodeAddress], compression: 'gzip', retry: { maxAttempts: 1 } });
    try {
      expect((await client.unary({ text: LONG_TEXT })).text).toBe(String(LONG_TEXT.length));
      const parts = [LONG_TEXT, 'b', LONG_TEXT];
      expect((await client.clientStream(parts.map((text) => ({ text })))).text).toBe(String(2 * LONG_TEXT.length + 1));
      expect(handled.slice(-4)).toEqual([LONG_TEXT, ...parts]);
    } finally {
      await client.close();
    }
  });

  it(
    'the node decodes a gzip frame sent by hand and answers uncompressed ' +
      '(grpc-js servers do not compress responses)',
    async () => {
      const body = frame(1, gzipSync(unaryCodec.serializeRequest({ text: 'by hand' })));
      const reply = await rawCall(nodeAddress, { 'grpc-encoding': 'gzip' }, body);
      expect([reply.status, reply.headers['grpc-encoding']]).toEqual([Status.OK, 'identity']);
      const { flag, bytes } = unframe(reply.data);
      expect(flag).toBe(0);
      expect((unaryCodec.deserializeResponse(bytes) as EchoReply).text).toBe('7');
    },
  );

  it('an undecodable compressed request fails with a clear status and the node keeps serving', async () => {
    const bogus = await rawCall(nodeAddress, { 'grpc-encoding': 'gzip' }, frame(1, Buffer.from('this is not gzip')));
    expect([bogus.status, bogus.message]).toEqual([Status.INTERNAL, 'Failed to decompress message']);
    const unknown = await rawCall(nodeAddress, { 'grpc-encoding': 'br' }, frame(1, Buffer.from('whatever')));
    expect([unknown.status, unknown.message]).toEqual([
      Status.UNIMPLEMENTED,
      'Received message compressed with unsupported encoding "br"',
    ]);
    const client = createClient(Echo, { endpoints: [nodeAddress], compression: 'gzip', retry: { maxAttempts: 1 } });
    try {
      expect((await client.unary({ text: 'still here' })).text).toBe('10');
    } finally {
      await client.close();
    }
    expect(node.stats().methods.find((m) => m.path === UNARY)?.failures).toBe(0);
  });
});
