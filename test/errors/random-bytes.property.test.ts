import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createServer, type Server, Status } from 'switchboard';
import { Echo } from '../gen/echo.js';

/**
 * Property: any bytes sent as a request, to any method kind, get INVALID_ARGUMENT (not a
 * message of the type) or an ordinary answer when the bytes happen to decode, never a
 * crash; afterwards the node serves a normal call. A raw grpc-js client with identity
 * serializers puts the bytes on the wire as they are. The handlers answer at once (the
 * Echo test node's would sleep for whatever `delay_ms` the bytes decode to).
 */
describe('random bytes as requests', () => {
  let server: Server;
  let address: string;
  let raw: grpc.Client;
  const id = (b: Buffer) => b;

  beforeAll(async () => {
    server = createServer({ nodeId: 'fuzzed' });
    server.add(Echo, {
      unary: (req) => ({ text: req.text, nodeId: 'fuzzed' }),
      async clientStream(requests) {
        let index = 0;
        for await (const _ of requests) index++;
        return { index, nodeId: 'fuzzed' };
      },
    });
    address = (await server.listen('127.0.0.1:0')).address;
    raw = new grpc.Client(address, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    raw?.close();
    await server?.shutdown({ graceMs: 0 });
  });

  const unary = (path: string, bytes: Buffer) =>
    new Promise<number>((resolve) =>
      raw.makeUnaryRequest(path, id, id, bytes, new grpc.Metadata(), { deadline: Date.now() + 5000 }, (error) =>
        resolve(error ? error.code : Status.OK),
      ),
    );
  const clientStream = (path: string, chunks: Buffer[]) =>
    new Promise<number>((resolve) => {
      const call = raw.makeClientStreamRequest(
        path,
        id,
        id,
        new grpc.Metadata(),
        { deadline: Date.now() + 5000 },
        (error) => resolve(error ? error.code : Status.OK),
      );
      for (const chunk of chunks) call.write(chunk);
      call.end();
    });

  it('never crashes the node and answers INVALID_ARGUMENT (or OK when the bytes decode)', async () => {
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 256 }),
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 4 }),
        async (bytes, chunks) => {
          const codes = [
            await unary('/test.echo.Echo/Unary', Buffer.from(bytes)),
            await clientStream(
              '/test.echo.Echo/ClientStream',
              chunks.map((c) => Buffer.from(c)),
            ),
          ];
          for (const code of codes) {
            seen.add(code);
            expect([Status.OK, Status.INVALID_ARGUMENT]).toContain(code);
          }
        },
      ),
      { numRuns: 150, seed: 20240608 },
    );
    expect(seen.has(Status.INVALID_ARGUMENT)).toBe(true);
    const client = createClient(Echo, { endpoints: [address] });
    await expect(client.unary({ text: 'alive' })).resolves.toMatchObject({ text: 'alive', nodeId: 'fuzzed' });
    await client.close();
  });
});
