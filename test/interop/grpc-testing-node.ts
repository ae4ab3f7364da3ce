import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { type CallContext, createServer, RpcError, type Server, Status } from 'switchboard';
import type { EchoStatus, ResponseParameters, StreamingOutputCallResponse } from '../gen/grpc/testing/messages.js';
import { TestService } from '../gen/grpc/testing/test.js';

/**
 * A Switchboard node serving the gRPC project's `grpc.testing.TestService` as the interop
 * spec (grpc/grpc doc/interop-test-descriptions.md, "Server") describes it, for the
 * official interop clients. `UnimplementedCall` has no handler on purpose (the node
 * answers UNIMPLEMENTED), and `grpc.testing.UnimplementedService` is not added.
 *
 * Compression: grpc-js decompresses requests before any handler sees them and tells
 * handlers neither the request's `grpc-encoding` nor a message's compressed flag. The
 * CompressedRequest feature (`expect_compressed`) needs to know, so a grpc-js server
 * interceptor copies the call's encoding, which grpc-js keeps in its own call object, into
 * the metadata as {@link REQUEST_ENCODING}. That is the call's encoding, not each
 * message's flag: a request the caller marked uncompressed on a gzip call passes as
 * compressed, so only `expect_compressed: true` on a call without compression is refused.
 * grpc-js sends every response uncompressed, so `response_compressed` is not honoured
 * (the CompressedResponse feature is missing, as in Ruby's and several other servers).
 */
export const REQUEST_ENCODING = 'x-interop-request-encoding';

const ECHO_INITIAL = 'x-grpc-test-echo-initial';
const ECHO_TRAILING = 'x-grpc-test-echo-trailing-bin';

/** Copies grpc-js' record of the request's `grpc-encoding` into the metadata handlers read. */
const requestEncoding: grpc.ServerInterceptor = (_method, call) => {
  const encoding = (call as unknown as { incomingEncoding?: unknown }).incomingEncoding;
  return new grpc.ServerInterceptingCall(call, {
    start: (next) =>
      next({
        onReceiveMetadata: (metadata, pass) => {
          metadata.set(REQUEST_ENCODING, typeof encoding === 'string' ? encoding : 'unknown');
          pass(metadata);
        },
      }),
  });
};

/** The custom_metadata case: echo one header as a response header, one as a trailer. */
function echoMetadata(ctx: CallContext): void {
  const [initial] = ctx.metadata.get(ECHO_INITIAL);
  if (initial !== undefined) ctx.sendHeader({ [ECHO_INITIAL]: initial });
  const [trailing] = ctx.metadata.get(ECHO_TRAILING);
  if (trailing !== undefined) ctx.trailer.set(ECHO_TRAILING, trailing);
}

/** The status_code_and_message cases: the request asks for a status. */
function failIfAsked(status: EchoStatus | null): void {
  if (status !== null && status.code !== Status.OK) throw new RpcError(status.code, status.message);
}

/** CompressedRequest: a request that expects compression on a call without it is refused. */
function checkCompressed(expected: { value: boolean } | null, ctx: CallContext): void {
  const [encoding] = ctx.metadata.get(REQUEST_ENCODING);
  if (expected?.value === true && encoding === 'identity') {
    throw new RpcError(Status.INVALID_ARGUMENT, 'expect_compressed is true but the request is not compressed');
  }
}

const payload = (size: number) => ({ payload: { type: 'COMPRESSABLE' as const, body: Buffer.alloc(size) } });

async function* respond(
  parameters: readonly ResponseParameters[],
  ctx: CallContext,
): AsyncGenerator<StreamingOutputCallResponse> {
  for (const p of parameters) {
    if (p.intervalUs > 0) await sleep(p.intervalUs / 1000, undefined, { signal: ctx.signal });
    yield payload(p.size);
  }
}

/** Starts the node on a free loopback port. */
export async function startTestServiceNode(
  nodeId = 'switchboard-interop',
): Promise<{ server: Server; address: string }> {
  const server = createServer({ nodeId, onHandlerError: () => {}, grpcOptions: { interceptors: [requestEncoding] } });
  server.add(TestService, {
    emptyCall: async () => ({}),
    unaryCall: async (req, ctx) => {
      echoMetadata(ctx);
      failIfAsked(req.responseStatus);
      checkCompressed(req.expectCompressed, ctx);
      return payload(req.responseSize);
    },
    async *streamingOutputCall(req, ctx) {
      echoMetadata(ctx);
      yield* respond(req.responseParameters, ctx);
      failIfAsked(req.responseStatus);
    },
    streamingInputCall: async (requests, ctx) => {
      let total = 0;
      for await (const req of requests) {
        checkCompressed(req.expectCompressed, ctx);
        total += req.payload?.body.length ?? 0;
      }
      return { aggregatedPayloadSize: total };
    },
    async *fullDuplexCall(requests, ctx) {
      echoMetadata(ctx);
      for await (const req of requests) {
        failIfAsked(req.responseStatus);
        yield* respond(req.responseParameters, ctx);
      }
    },
  });
  const { address } = await server.listen('127.0.0.1:0');
  return { server, address };
}
