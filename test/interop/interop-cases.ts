import assert from 'node:assert/strict';
import { type Client, type DeepPartial, type Metadata, RpcError, Status } from 'switchboard';
import type { StreamingOutputCallRequest, TestService } from '../gen/interop.js';

/** The standard interop cases (grpc/grpc doc/interop-test-descriptions.md) run in both directions. */
export const INTEROP_CASES = [
  'empty_unary',
  'large_unary',
  'client_streaming',
  'server_streaming',
  'ping_pong',
  'empty_stream',
  'cancel_after_begin',
  'cancel_after_first_response',
  'timeout_on_sleeping_server',
  'custom_metadata',
  'status_code_and_message',
  'special_status_message',
  'unimplemented_method',
] as const;
export type InteropCase = (typeof INTEROP_CASES)[number];

type TestClient = Client<typeof TestService>;
type Message = DeepPartial<StreamingOutputCallRequest>;

const REQUEST_SIZES = [27182, 8, 1828, 45904];
const RESPONSE_SIZES = [31415, 9, 2653, 58979];
const SPECIAL_MESSAGE = '\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n';
const ECHO_INITIAL = 'x-grpc-test-echo-initial';
const ECHO_TRAILING = 'x-grpc-test-echo-trailing-bin';

const body = (message: { payload: { body: Uint8Array } | null }) => message.payload?.body.length ?? 0;
const payload = (size: number) => ({ type: 'COMPRESSABLE' as const, body: Buffer.alloc(size) });
const ping = (i: number) => ({
  responseParameters: [{ size: RESPONSE_SIZES[i] }],
  payload: payload(REQUEST_SIZES[i]!),
});

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

/** Runs one case with a Switchboard client of the TestService; throws (assert) when it fails. */
export async function runInteropCase(client: TestClient, name: InteropCase): Promise<void> {
  switch (name) {
    case 'empty_unary':
      assert.deepEqual(await client.emptyCall({}), {});
      return;
    case 'large_unary': {
      const reply = await client.unaryCall({ responseSize: 314159, payload: payload(271828) });
      assert.equal(body(reply), 314159);
      return;
    }
    case 'client_streaming': {
      const reply = await client.streamingInputCall(REQUEST_SIZES.map((size) => ({ payload: payload(size) })));
      assert.equal(reply.aggregatedPayloadSize, 74922);
      return;
    }
    case 'server_streaming': {
      const replies = await drain(
        client.streamingOutputCall({ responseParameters: RESPONSE_SIZES.map((size) => ({ size })) }),
      );
      assert.deepEqual(replies.map(body), RESPONSE_SIZES);
      return;
    }
    case 'ping_pong': {
      const requests = new RequestQueue();
      const sizes: number[] = [];
      requests.push(ping(0));
      for await (const reply of client.fullDuplexCall(requests)) {
        sizes.push(body(reply));
        if (sizes.length < REQUEST_SIZES.length) requests.push(ping(sizes.length));
        else requests.end();
      }
      assert.deepEqual(sizes, RESPONSE_SIZES);
      return;
    }
    case 'empty_stream':
      assert.deepEqual(await drain(client.fullDuplexCall([])), []);
      return;
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
      return;
    }
    case 'cancel_after_first_response': {
      const controller = new AbortController();
      const requests = new RequestQueue();
      requests.push(ping(0));
      const error = await rejection(async () => {
        for await (const reply of client.fullDuplexCall(requests, { signal: controller.signal })) {
          assert.equal(body(reply), RESPONSE_SIZES[0]);
          controller.abort();
        }
      });
      requests.end();
      assert.equal(error.code, Status.CANCELLED);
      return;
    }
    case 'timeout_on_sleeping_server': {
      const requests = new RequestQueue();
      requests.push({ payload: payload(27182) });
      const error = await rejection(() => drain(client.fullDuplexCall(requests, { deadlineMs: 1 })));
      requests.end();
      assert.equal(error.code, Status.DEADLINE_EXCEEDED);
      return;
    }
    case 'custom_metadata': {
      const trailing = Buffer.from([0xab, 0xab, 0xab]);
      const check = async (
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
        assert.deepEqual(header?.get(ECHO_INITIAL), ['test_initial_metadata_value']);
        assert.deepEqual(trailer?.get(ECHO_TRAILING), [trailing]);
      };
      await check((options) => client.unaryCall({ responseSize: 314159, payload: payload(271828) }, options));
      await check((options) => drain(client.fullDuplexCall([ping(0)], options)));
      return;
    }
    case 'status_code_and_message':
    case 'special_status_message': {
      const message = name === 'special_status_message' ? SPECIAL_MESSAGE : 'test status message';
      const responseStatus = { code: Status.UNKNOWN, message };
      const unary = await rejection(() => client.unaryCall({ responseStatus }));
      assert.deepEqual([unary.code, unary.details], [Status.UNKNOWN, message]);
      if (name === 'special_status_message') return;
      const bidi = await rejection(() => drain(client.fullDuplexCall([{ responseStatus }])));
      assert.deepEqual([bidi.code, bidi.details], [Status.UNKNOWN, message]);
      return;
    }
    case 'unimplemented_method': {
      const error = await rejection(() => client.unimplementedCall({}));
      assert.equal(error.code, Status.UNIMPLEMENTED);
      return;
    }
  }
}
