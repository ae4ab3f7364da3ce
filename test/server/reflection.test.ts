// Server reflection of a node, asked by grpc-go's reflection client (a Go program built
// here against Debian's grpc-go) and by a Switchboard client of grpc.reflection.v1.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createServer, RpcError, type Server, Status } from 'switchboard';
import { ServerReflection, type ServerReflectionResponse } from '../../src/gen/grpc/reflection/v1/reflection.js';
import { decodeFileDescriptor } from '../../src/schema/descriptor-proto.js';
import { Kitchen } from '../gen/kitchen.js';
import { type EchoNode, startEchoNode, stopAll } from '../helpers/echo-nodes.js';
import { buildGoProgram } from '../setup/go-grpc.js';
import { provided } from '../setup/provided.js';

const exec = promisify(execFile);

let nodes: EchoNode[] = [];
let withReflection: EchoNode;
let withoutReflection: EchoNode;
let goClient: string | undefined;

beforeAll(async () => {
  withReflection = await startEchoNode('reflecting');
  withoutReflection = await startEchoNode('silent', { reflection: false });
  nodes = [withReflection, withoutReflection];
  const go = provided('goGrpc', 'grpc-go reflection client tests');
  if (go !== undefined) goClient = await buildGoProgram(go, 'test/server/reflection-go', 'reflection-client');
}, 600_000);
afterAll(() => stopAll(nodes));

/** Runs the Go client against a node; resolves with its output (never rejects). */
async function go(address: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(goClient!, [address, ...args], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** One stream of grpc.reflection.v1 requests to a node; its responses in order. */
async function reflect(address: string, ...requests: object[]): Promise<ServerReflectionResponse[]> {
  const client = createClient(ServerReflection, { endpoints: [address], healthCheck: false, deadlineMs: 5000 });
  try {
    const responses: ServerReflectionResponse[] = [];
    for await (const response of client.serverReflectionInfo(requests)) responses.push(response);
    return responses;
  } finally {
    await client.close();
  }
}

const fileNames = (response: ServerReflectionResponse | undefined) =>
  (response?.fileDescriptorResponse?.fileDescriptorProto ?? []).map((bytes) => decodeFileDescriptor(bytes).name);

describe('grpc-go reflection client', () => {
  it('lists every service of the node, its own included', async ({ skip }) => {
    if (goClient === undefined) skip();
    const result = await go(withReflection.address, 'list');
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n')).toEqual([
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'switchboard.v1.Node',
      'test.echo.Echo',
    ]);
  });

  it('resolves the files of a service and describes its methods and messages', async ({ skip }) => {
    if (goClient === undefined) skip();
    const result = await go(
      withReflection.address,
      'describe',
      'test.echo.Echo',
      'test.echo.Echo.Bidi',
      'test.echo.EchoRequest',
    );
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n')).toEqual([
      'files test/echo.proto',
      'service test.echo.Echo in test/echo.proto',
      'method test.echo.Echo.Unary(test.echo.EchoRequest) returns (test.echo.EchoReply)',
      'method test.echo.Echo.Write(test.echo.EchoRequest) returns (test.echo.EchoReply)',
      'method test.echo.Echo.ServerStream(test.echo.EchoRequest) returns (stream test.echo.EchoReply)',
      'method test.echo.Echo.ClientStream(stream test.echo.EchoRequest) returns (test.echo.EchoReply)',
      'method test.echo.Echo.Bidi(stream test.echo.EchoRequest) returns (stream test.echo.EchoReply)',
      'method test.echo.Echo.Bidi(stream test.echo.EchoRequest) returns (stream test.echo.EchoReply)',
      'message test.echo.EchoRequest in test/echo.proto',
      'field text string = 1 json=text',
      'field delay_ms int32 = 2 json=delayMs',
      'field count int32 = 3 json=count',
      'field fail_code int32 = 4 json=failCode',
      '',
    ]);
  });

  it('resolves maps, oneofs, optional fields, imports and well-known types (the files pass protodesc)', async ({
    skip,
  }) => {
    if (goClient === undefined) skip();
    const kitchen = createKitchenNode();
    const { address } = await kitchen.listen('127.0.0.1:0');
    try {
      const result = await go(address, 'describe', 'test.kitchen.v1.Kitchen.Get', 'test.kitchen.v1.Order');
      expect(result.stderr).toBe('');
      const lines = result.stdout.split('\n');
      expect(lines[0]).toBe('files google/protobuf/timestamp.proto test/common/v1.proto test/kitchen/v1.proto');
      expect(lines[1]).toBe(
        'method test.kitchen.v1.Kitchen.Get(test.kitchen.v1.OrderRef) returns (test.kitchen.v1.Order)',
      );
      expect(lines).toEqual(
        expect.arrayContaining([
          'field customer_name string = 14 json=customerName',
          'field color test.common.v1.Color = 18 json=color',
          'field items_by_seat map<int32, test.kitchen.v1.Order.Item> = 21 json=itemsBySeat',
          'field placed_at google.protobuf.Timestamp = 22 json=placedAt',
          'field note optional string = 24 json=note',
          'field card_token string = 26 json=cardToken',
          'field priorities map<string, test.kitchen.v1.Priority> = 31 json=priorities',
        ]),
      );
    } finally {
      await kitchen.shutdown({ graceMs: 0 });
    }
  });

  it('gets NOT_FOUND for an unknown symbol', async ({ skip }) => {
    if (goClient === undefined) skip();
    const result = await go(withReflection.address, 'describe', 'test.echo.Nope');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('reflection-client: error 5: symbol not found: test.echo.Nope\n');
  });
});

/**
 * A node of the Kitchen service, whose schema spans three files: its own, test/common and
 * google/protobuf/timestamp.
 */
function createKitchenNode(): Server {
  return createServer({ nodeId: 'kitchen' }).add(Kitchen, {});
}

describe('grpc.reflection.v1', () => {
  it('answers file_containing_symbol with the file and its imports, each file once per stream', async () => {
    const kitchen = createKitchenNode();
    const { address } = await kitchen.listen('127.0.0.1:0');
    try {
      const [first, second] = await reflect(
        address,
        { fileContainingSymbol: 'test.kitchen.v1.Kitchen' },
        { fileContainingSymbol: 'test.kitchen.v1.Order.Item.Garnish' },
      );
      expect(fileNames(first)).toEqual([
        'test/kitchen/v1.proto',
        'google/protobuf/timestamp.proto',
        'test/common/v1.proto',
      ]);
      expect(fileNames(second)).toEqual(['test/kitchen/v1.proto']);
      const file = decodeFileDescriptor(first!.fileDescriptorResponse!.fileDescriptorProto[0]!);
      expect(file).toMatchObject({
        package: 'test.kitchen.v1',
        dependency: ['google/protobuf/timestamp.proto', 'test/common/v1.proto'],
        syntax: 'proto3',
      });
    } finally {
      await kitchen.shutdown({ graceMs: 0 });
    }
  });

  it('answers file_by_filename, and the extension queries', async () => {
    const [byName, numbers, extension] = await reflect(
      withReflection.address,
      { fileByFilename: 'grpc/health/v1.proto' },
      { allExtensionNumbersOfType: 'test.echo.EchoRequest' },
      { fileContainingExtension: { containingType: 'test.echo.EchoRequest', extensionNumber: 100 } },
    );
    expect(fileNames(byName)).toEqual(['grpc/health/v1.proto']);
    expect(numbers?.allExtensionNumbersResponse).toEqual({
      baseTypeName: 'test.echo.EchoRequest',
      extensionNumber: [],
    });
    expect(extension?.errorResponse).toEqual({
      errorCode: Status.NOT_FOUND,
      errorMessage: 'extension 100 of test.echo.EchoRequest not found',
    });
  });

  it('answers NOT_FOUND for what it does not know', async () => {
    const responses = await reflect(
      withReflection.address,
      { fileContainingSymbol: 'test.echo.Nope' },
      { fileByFilename: 'nope.proto' },
      { allExtensionNumbersOfType: 'test.echo.Nope' },
    );
    expect(responses.map((r) => r.errorResponse)).toEqual([
      { errorCode: Status.NOT_FOUND, errorMessage: 'symbol not found: test.echo.Nope' },
      { errorCode: Status.NOT_FOUND, errorMessage: 'file not found: nope.proto' },
      { errorCode: Status.NOT_FOUND, errorMessage: 'type not found: test.echo.Nope' },
    ]);
  });

  it('is UNIMPLEMENTED on a node created with reflection: false', async () => {
    const error = await reflect(withoutReflection.address, { listServices: '' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(Status.UNIMPLEMENTED);
  });
});
