// `list`, `describe`, and `call` / `bench` without --proto: the built CLI (dist/cli/main.js)
// in a child process reads the schema of real Echo nodes on loopback by server reflection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, switchboard } from '../helpers/cli.js';
import { type EchoNode, startEchoNode, stopAll } from '../helpers/echo-nodes.js';

let node: EchoNode;
let silent: EchoNode;
beforeAll(async () => {
  buildCli();
  node = await startEchoNode('node-0');
  silent = await startEchoNode('silent', { reflection: false });
}, 120_000);
afterAll(() => stopAll([node, silent]));

describe('switchboard list', () => {
  it("prints the node's services", async () => {
    const result = await switchboard('list', node.address);
    expect(result).toEqual({
      code: 0,
      stdout: [
        'grpc.health.v1.Health',
        'grpc.reflection.v1.ServerReflection',
        'grpc.reflection.v1alpha.ServerReflection',
        'switchboard.v1.Node',
        'test.echo.Echo',
        '',
      ].join('\n'),
      stderr: '',
    });
  });

  it('prints the methods of a service', async () => {
    const result = await switchboard('list', node.address, 'test.echo.Echo');
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      ['Unary', 'Write', 'ServerStream', 'ClientStream', 'Bidi'].map((m) => `test.echo.Echo.${m}\n`).join(''),
    );
  });
});

describe('switchboard describe', () => {
  it('prints a service as .proto text', async () => {
    const result = await switchboard('describe', node.address, 'test.echo.Echo');
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      [
        'test.echo.Echo is a service:',
        'service Echo {',
        '  rpc Unary ( .test.echo.EchoRequest ) returns ( .test.echo.EchoReply );',
        '  rpc Write ( .test.echo.EchoRequest ) returns ( .test.echo.EchoReply );',
        '  rpc ServerStream ( .test.echo.EchoRequest ) returns ( stream .test.echo.EchoReply );',
        '  rpc ClientStream ( stream .test.echo.EchoRequest ) returns ( .test.echo.EchoReply );',
        '  rpc Bidi ( stream .test.echo.EchoRequest ) returns ( stream .test.echo.EchoReply );',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('prints a message with its oneof', async () => {
    const result = await switchboard('describe', node.address, 'grpc.reflection.v1.ExtensionRequest');
    expect(result.stdout).toBe(
      [
        'grpc.reflection.v1.ExtensionRequest is a message:',
        'message ExtensionRequest {',
        '  string containing_type = 1;',
        '  int32 extension_number = 2;',
        '}',
        '',
      ].join('\n'),
    );
    const request = await switchboard('describe', node.address, 'grpc.reflection.v1.ServerReflectionRequest');
    expect(request.stdout).toContain(
      '  oneof message_request {\n    string file_by_filename = 3;\n    string file_containing_symbol = 4;\n',
    );
  });

  it('fails with what the node said about an unknown symbol', async () => {
    const result = await switchboard('describe', node.address, 'test.echo.Nope');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `switchboard describe: ${node.address}: file containing test.echo.Nope: ` +
        'NOT_FOUND: symbol not found: test.echo.Nope\n',
    );
  });
});

describe('switchboard call and bench without --proto', () => {
  it('call reads the schema by reflection', async () => {
    const result = await switchboard('call', node.address, 'test.echo.Echo/Unary', '{"text":"hi","delayMs":0}');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ text: 'hi', nodeId: 'node-0', index: 0 });
    expect(result.stderr).toBe(`served by node-0 (${node.address})\n`);
  });

  it('call checks the request against the reflected schema', async () => {
    const result = await switchboard('call', node.address, 'test.echo.Echo/Unary', '{"txt":"a"}');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'switchboard call: bad request for test.echo.EchoRequest: ' +
        'field "txt": no such field in EchoRequest (fields: text, delayMs, count, failCode)\n',
    );
  });

  it('bench reads the schema by reflection', async () => {
    const result = await switchboard(
      'bench',
      node.address,
      'test.echo.Echo/Unary',
      '{}',
      '--duration',
      '0.3',
      '--concurrency',
      '2',
      '--json',
    );
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as { method: string; results: { calls: number; errors: number }[] };
    expect(report.method).toBe('/test.echo.Echo/Unary');
    expect(report.results[0]!.calls).toBeGreaterThan(0);
    expect(report.results[0]!.errors).toBe(0);
  });

  it('fails naming the node when it does not serve reflection', async () => {
    const result = await switchboard('call', silent.address, 'test.echo.Echo/Unary', '{}');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `switchboard call: ${silent.address}: the node does not serve reflection ` +
        '(grpc.reflection.v1 and v1alpha: UNIMPLEMENTED); pass --proto <file>\n',
    );
    const listed = await switchboard('list', silent.address);
    expect(listed.stderr).toBe(
      `switchboard list: ${silent.address}: the node does not serve reflection ` +
        '(grpc.reflection.v1 and v1alpha: UNIMPLEMENTED)\n',
    );
  });

  it('fails naming the service the node does not serve', async () => {
    const result = await switchboard('call', node.address, 'test.echo.Nope/Unary', '{}');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `switchboard call: ${node.address}: file containing test.echo.Nope: ` +
        'NOT_FOUND: symbol not found: test.echo.Nope\n',
    );
  });

  it('--proto still wins: a node without reflection is called with the .proto file', async () => {
    const result = await switchboard(
      'call',
      silent.address,
      'test.echo.Echo/Unary',
      '{"text":"p"}',
      '--proto',
      'test/protos/echo.proto',
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ text: 'p', nodeId: 'silent', index: 0 });
  });

  it('fails with one line when the node cannot be reached', async () => {
    const result = await switchboard('list', '127.0.0.1:1', '--timeout', '500');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'switchboard list: cannot reach 127.0.0.1:1 within 500 ms (is a node listening there?)\n',
    );
  });
});
