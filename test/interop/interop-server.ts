import { setTimeout as sleep } from 'node:timers/promises';
import { type CallContext, createServer, RpcError, type Server } from 'switchboard';
import {
  type EchoStatus,
  type ResponseParameters,
  type StreamingOutputCallResponse,
  TestService,
} from '../gen/interop.js';

const ECHO_INITIAL = 'x-grpc-test-echo-initial';
const ECHO_TRAILING = 'x-grpc-test-echo-trailing-bin';

/** The custom_metadata case: echo one header as a response header, one as a trailer. */
function echoMetadata(ctx: CallContext): void {
  const [initial] = ctx.metadata.get(ECHO_INITIAL);
  if (initial !== undefined) ctx.sendHeader({ [ECHO_INITIAL]: initial });
  const [trailing] = ctx.metadata.get(ECHO_TRAILING);
  if (trailing !== undefined) ctx.trailer.set(ECHO_TRAILING, trailing);
}

/** The status_code_and_message cases: the request asks for a status. */
function failIfAsked(status: EchoStatus | null): void {
  if (status !== null && status.code !== 0) throw new RpcError(status.code, status.message);
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

/** A Switchboard node serving the interop TestService (UnimplementedCall left out on purpose). */
export async function startInteropServer(): Promise<{ server: Server; address: string }> {
  const server = createServer({ nodeId: 'switchboard-interop', onHandlerError: () => {} });
  server.add(TestService, {
    emptyCall: async (_req, ctx) => {
      echoMetadata(ctx);
      return {};
    },
    unaryCall: async (req, ctx) => {
      echoMetadata(ctx);
      failIfAsked(req.responseStatus);
      return payload(req.responseSize);
    },
    async *streamingOutputCall(req, ctx) {
      echoMetadata(ctx);
      yield* respond(req.responseParameters, ctx);
      failIfAsked(req.responseStatus);
    },
    streamingInputCall: async (requests) => {
      let total = 0;
      for await (const req of requests) total += req.payload?.body.length ?? 0;
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
