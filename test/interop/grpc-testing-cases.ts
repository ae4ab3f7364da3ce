import assert from 'node:assert/strict';
import { type Client, type DeepPartial, type Metadata, RpcError, Status } from 'switchboard';
import type { Payload, StreamingOutputCallRequest } from '../gen/grpc/testing/messages.js';
import type { TestService, UnimplementedService } from '../gen/grpc/testing/test.js';

/**
 * The interop client cases of grpc/grpc doc/interop-test-descriptions.md, on Switchboard
 * clients of the gRPC project's own `grpc.testing` protos; each asserts what the spec's
 * "Client asserts" says.
 */
export const CLIENT_CASES = [
  'empty_unary',
  'large_unary',
  'client_streaming',
  'server_streaming',
  'ping_pong',
  'empty_stream',
  'timeout_on_sleeping_server',
  'cancel_after_begin',
  'cancel_after_first_response',
  'status_code_and_message',
  'special_status_message',
  'custom_metadata',
  'unimplemented_method',
  'unimplemented_service',
  'client_compressed_unary',
  'client_compressed_streaming',
  'server_compressed_unary',
  'server_compressed_streaming',
] as const;
export type ClientCase = (typeof CLIENT_CASES)[number];

/** The clients a case may use: plain, with gzip requests, of the service no server has. */
export interface CaseClients {
  readonly plain: Client<typeof TestService>;
  readonly gzip: Client<typeof TestService>;
  readonly unimplemented: Client<typeof UnimplementedService>;
}

/**
 * Optional server features the spec lets a server lack. Without CompressedRequest
 * (Ruby's server does not check `expect_compressed`) the probe of the client_compressed
 * cases succeeds instead of failing with INVALID_ARGUMENT; the case asserts that.
 */
export interface ServerFeatures {
  readonly compressedRequest: boolean;
}

type Message = DeepPartial<StreamingOutputCallRequest>;

const REQUEST_SIZES = [27182, 8, 1828, 45904];
const RESPONSE_SIZES = [31415, 9, 2653, 58979];
const SPECIAL_MESSAGE = '\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n';
const ECHO_INITIAL = 'x-grpc-test-echo-initial';
const ECHO_TRAILING = 'x-grpc-test-echo-trailing-bin';

const zeros = (size: number) => ({ type: 'COMPRESSABLE' as const, body: Buffer.alloc(size) });
const ping = (i: number): Message => ({
  responseType: 'COMPRESSABLE',
  responseParameters: [{ size: RESPONSE_SIZES[i]! }],
  payload: zeros(REQUEST_SIZES[i]!),
});

/** The response payload is `size` zero bytes of type COMPRESSABLE. */
function assertPayload(payload: Payload | null, size: number, what: string): void {
  assert.ok(payload !== null, `${what}: no payload`);
  assert.equal(payload.type, 'COMPRESSABLE', `${what}: payload type`);
  assert.equal(payload.body.length, size, `${what}: payload size`);
  assert.ok(
    payload.body.every((byte) => byte === 0),
    `${what}: payload is not all zeros`,
  );
}

/** A request stream the case writes into as it goes (ping-pong). */
class RequestQueue implements AsyncIterable<Message> {
  private readonly items: Message[] = [];
  private wake: (() => void) | undefined;
  private ended = false;

  push(item: Message): void {
    this.items.push(item);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Message> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) yield item;
      else if (this.ended) return;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

async function rejection(work: () => Promise<unknown>): Promise<RpcError> {
  try {
    await work();
  } catch (error) {
    assert.ok(error instanceof RpcError, `expected an RpcError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

async function drain<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const message of stream) all.push(message);
  return all;
}

/** large_unary: 271828 zero bytes out, 314159 back. */
export async function largeUnary(client: Client<typeof TestService>): Promise<void> {
  const reply = await client.unaryCall({ responseType: 'COMPRESSABLE', responseSize: 314159, payload: zeros(271828) });
  assertPayload(reply.payload, 314159, 'large_unary');
}

/** ping_pong: four request/response pairs on one FullDuplexCall. */
export async function pingPong(client: Client<typeof TestService>): Promise<void> {
  const requests = new RequestQueue();
  const sizes: number[] = [];
  requests.push(ping(0));
  for await (const reply of client.fullDuplexCall(requests)) {
    assertPayload(reply.payload, RESPONSE_SIZES[sizes.length]!, `ping_pong response ${sizes.length}`);
    sizes.push(reply.payload!.body.length);
    if (sizes.length < REQUEST_SIZES.length) requests.push(ping(sizes.length));
    else requests.end();
  }
  assert.deepEqual(sizes, RESPONSE_SIZES);
}

/** Runs one case; throws (assert) when it fails. */
export async function runClientCase(clients: CaseClients, name: ClientCase, server: ServerFeatures): Promise<void> {
  const { plain: client, gzip } = clients;
  switch (name) {
    case 'empty_unary':
      assert.deepEqual(await client.emptyCall({}), {});
      break;
    case 'large_unary':
      await largeUnary(client);
      break;
    case 'client_streaming': {
      const reply = await client.streamingInputCall(REQUEST_SIZES.map((size) => ({ payload: zeros(size) })));
      assert.equal(reply.aggregatedPayloadSize, 74922);
      break;
    }
    case 'server_streaming': {
      const replies = await drain(
        client.streamingOutputCall({
          responseType: 'COMPRESSABLE',
          responseParameters: RESPONSE_SIZES.map((size) => ({ size })),
        }),
      );
      assert.equal(replies.length, RESPONSE_SIZES.length);
      for (const [i, reply] of replies.entries())
        assertPayload(reply.payload, RESPONSE_SIZES[i]!, `server_streaming response ${i}`);
      break;
    }
    case 'ping_pong':
      await pingPong(client);
      break;
    case 'empty_stream':
      assert.deepEqual(await drain(client.fullDuplexCall([])), []);
      break;
    case 'timeout_on_sleeping_server': {
      const requests = new RequestQueue();
      requests.push({ payload: zeros(27182) });
      const error = await rejection(() => drain(client.fullDuplexCall(requests, { deadlineMs: 1 })));
      requests.end();
      assert.equal(error.code, Status.DEADLINE_EXCEEDED);
      break;
    }
    case 'cancel_after_begin': {
      await client.ready();
      const controller = new AbortController();
      const requests = new RequestQueue();
      const error = await rejection(() => {
        const call = client.streamingInputCall(requests, { signal: controller.signal });
        setImmediate(() => controller.abort());
        return call;
      });
      requests.end();
      assert.equal(error.code, Status.CANCELLED);
      break;
    }
    case 'cancel_after_first_response': {
      const controller = new AbortController();
      const requests = new RequestQueue();
      requests.push(ping(0));
      let responses = 0;
      const error = await rejection(async () => {
        for await (const reply of client.fullDuplexCall(requests, { signal: controller.signal })) {
          responses++;
          assertPayload(reply.payload, RESPONSE_SIZES[0]!, 'cancel_after_first_response');
          controller.abort();
        }
      });
      requests.end();
      assert.equal(responses, 1);
      assert.equal(error.code, Status.CANCELLED);
      break;
    }
    case 'status_code_and_message': {
      const responseStatus = { code: Status.UNKNOWN, message: 'test status message' };
      const unary = await rejection(() => client.unaryCall({ responseStatus }));
      assert.deepEqual([unary.code, unary.details], [Status.UNKNOWN, 'test status message']);
      const bidi = await rejection(() => drain(client.fullDuplexCall([{ responseStatus }])));
      assert.deepEqual([bidi.code, bidi.details], [Status.UNKNOWN, 'test status message']);
      break;
    }
    case 'special_status_message': {
      const error = await rejection(() =>
        client.unaryCall({ responseStatus: { code: Status.UNKNOWN, message: SPECIAL_MESSAGE } }),
      );
      assert.deepEqual([error.code, error.details], [Status.UNKNOWN, SPECIAL_MESSAGE]);
      break;
    }
    case 'custom_metadata': {
      const trailing = Buffer.from([0xab, 0xab, 0xab]);
      const check = async (
        what: string,
        call: (options: {
          metadata: Record<string, string | Buffer>;
          onHeader: (m: Metadata) => void;
          onTrailer: (m: Metadata) => void;
        }) => Promise<unknown>,
      ) => {
        let header: Metadata | undefined;
        let trailer: Metadata | undefined;
        await call({
          metadata: { [ECHO_INITIAL]: 'test_initial_metadata_value', [ECHO_TRAILING]: trailing },
          onHeader: (m) => (header = m),
          onTrailer: (m) => (trailer = m),
        });
        assert.deepEqual(header?.get(ECHO_INITIAL), ['test_initial_metadata_value'], `${what}: initial metadata`);
        assert.deepEqual(trailer?.get(ECHO_TRAILING), [trailing], `${what}: trailing metadata`);
      };
      await check('UnaryCall', (options) =>
        client.unaryCall({ responseSize: 314159, payload: zeros(271828) }, options),
      );
      await check('FullDuplexCall', (options) =>
        drain(client.fullDuplexCall([{ responseParameters: [{ size: 314159 }], payload: zeros(271828) }], options)),
      );
      break;
    }
    case 'unimplemented_method': {
      const error = await rejection(() => client.unimplementedCall({}));
      assert.equal(error.code, Status.UNIMPLEMENTED);
      break;
    }
    case 'unimplemented_service': {
      const error = await rejection(() => clients.unimplemented.unimplementedCall({}));
      assert.equal(error.code, Status.UNIMPLEMENTED);
      break;
    }
    case 'client_compressed_unary': {
      const request = (expect: boolean) => ({
        responseType: 'COMPRESSABLE' as const,
        responseSize: 314159,
        payload: zeros(271828),
        expectCompressed: { value: expect },
      });
      // The probe: an uncompressed request that says it is compressed.
      const probe = gzip.unaryCall(request(true), { compression: 'identity' });
      if (server.compressedRequest) {
        assert.equal((await rejection(() => probe)).code, Status.INVALID_ARGUMENT, 'probe');
      } else {
        assertPayload((await probe).payload, 314159, 'probe (the server does not check expect_compressed)');
      }
      assertPayload((await gzip.unaryCall(request(true))).payload, 314159, 'compressed request');
      assertPayload(
        (await gzip.unaryCall(request(false), { compression: 'identity' })).payload,
        314159,
        'uncompressed request',
      );
      break;
    }
    case 'client_compressed_streaming': {
      const probe = gzip.streamingInputCall([{ payload: zeros(27182), expectCompressed: { value: true } }], {
        compression: 'identity',
      });
      if (server.compressedRequest) {
        assert.equal((await rejection(() => probe)).code, Status.INVALID_ARGUMENT, 'probe');
      } else {
        assert.equal((await probe).aggregatedPayloadSize, 27182, 'probe (the server does not check expect_compressed)');
      }
      // Switchboard compresses per call, not per message: the second message is compressed too.
      const reply = await gzip.streamingInputCall([
        { payload: zeros(27182), expectCompressed: { value: true } },
        { payload: zeros(45904), expectCompressed: { value: false } },
      ]);
      assert.equal(reply.aggregatedPayloadSize, 73086);
      break;
    }
    case 'server_compressed_unary': {
      // grpc-js decompresses before caller code sees a message: the flag itself is not checked ("if supported").
      for (const compressed of [true, false]) {
        const reply = await client.unaryCall({
          responseType: 'COMPRESSABLE',
          responseSize: 314159,
          payload: zeros(271828),
          responseCompressed: { value: compressed },
        });
        assertPayload(reply.payload, 314159, `response_compressed ${compressed}`);
      }
      break;
    }
    case 'server_compressed_streaming': {
      const replies = await drain(
        client.streamingOutputCall({
          responseType: 'COMPRESSABLE',
          responseParameters: [
            { size: 31415, compressed: { value: true } },
            { size: 92653, compressed: { value: false } },
          ],
        }),
      );
      // As in server_compressed_unary, the responses' compressed flags are not visible through grpc-js.
      assert.equal(replies.length, 2);
      assertPayload(replies[0]!.payload, 31415, 'response 0');
      assertPayload(replies[1]!.payload, 92653, 'response 1');
      break;
    }
  }
}
