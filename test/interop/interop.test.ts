import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Server } from 'switchboard';
import { TestService, UnimplementedService } from '../gen/grpc/testing/test.js';
import { type CaseClients, CLIENT_CASES, runClientCase } from './grpc-testing-cases.js';
import { startTestServiceNode } from './grpc-testing-node.js';
import { provided } from '../setup/provided.js';

/**
 * The standard gRPC interop cases between Switchboard (grpc-js) and Python's grpcio (the
 * C-core implementation), both ways, on the gRPC project's own `grpc.testing` protos:
 * interop.py's client against the Switchboard TestService node (grpc-testing-node.ts), the
 * Switchboard client cases (grpc-testing-cases.ts) against interop.py's server. The test
 * run provides Debian's grpcio for /usr/bin/python3 (test/setup/python-grpc.ts); only
 * where it cannot be had is the suite skipped, with a message saying so.
 */
const PYTHON = provided('pythonGrpc', 'interop with Python grpcio');
const SCRIPT = fileURLToPath(new URL('./interop.py', import.meta.url));
/** The gRPC project's interop protos (test.proto imports the other two). */
const PROTOS = fileURLToPath(new URL('../protos/', import.meta.url));

const grpcio =
  PYTHON === undefined
    ? undefined
    : execFileSync(PYTHON, ['-c', 'import grpc; print(grpc.__version__)']).toString().trim();

interface MessageProto {
  name: string;
  field: { name: string; typeName?: string }[];
  nestedType: (MessageProto & { options?: { mapEntry?: boolean } })[];
}

/**
 * Names map entries as protoc does (`rpcs_by_peer` -> `RpcsByPeerEntry`): protobufjs names
 * them for the field alone, which Python's descriptor pool refuses.
 */
function protocMapEntries(message: MessageProto): void {
  for (const nested of message.nestedType) {
    if (nested.options?.mapEntry !== true) {
      protocMapEntries(nested);
      continue;
    }
    const field = message.field.find((f) => f.typeName === nested.name)!;
    nested.name = `${field.name.replace(/(?:^|_)(.)/g, (_, c: string) => c.toUpperCase())}Entry`;
    field.typeName = nested.name;
  }
}

/** The services' FileDescriptorSet (snake_case names, as protoc would write them) for Python. */
function writeDescriptors(dir: string): string {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(PROTOS, target);
  root.loadSync('grpc/testing/test.proto', { keepCase: true });
  const set = root.toDescriptor('proto3');
  for (const file of set.file) for (const message of file.messageType ?? []) protocMapEntries(message as MessageProto);
  const file = path.join(dir, 'grpc-testing.pb');
  writeFileSync(file, descriptor.FileDescriptorSet.encode(set).finish());
  return file;
}

/** Starts the Python server and resolves with its address once it prints it. */
async function startPythonServer(descriptors: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(PYTHON!, [SCRIPT, 'server', '--descriptors', descriptors], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`python interop server exited with ${code} before listening`);
  });
  const listening = (async () => {
    for await (const line of lines) {
      const port = /^LISTENING (\d+)$/.exec(line)?.[1];
      if (port !== undefined) return `127.0.0.1:${port}`;
    }
    throw new Error('python interop server closed its output before listening');
  })();
  return { child, address: await Promise.race([listening, exited]) };
}

/** Runs the Python client's cases against `address`; per case, PASS or the reason it failed. */
function runPythonClient(descriptors: string, address: string): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      PYTHON!,
      [SCRIPT, 'client', '--descriptors', descriptors, '--address', address, ...CLIENT_CASES],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', () => {
      const results = new Map<string, string>();
      for (const line of out.split('\n')) {
        const match = /^(PASS|FAIL) (\w+)(?:: (.*))?$/.exec(line);
        if (match) results.set(match[2]!, match[1] === 'PASS' ? 'PASS' : match[3]!);
      }
      if (results.size === 0) reject(new Error(`python interop client printed no results; stderr: ${err}`));
      else resolve(results);
    });
  });
}

describe.skipIf(grpcio === undefined)(`interop with Python grpcio ${grpcio ?? ''}`, () => {
  let dir: string;
  let descriptors: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'switchboard-interop-'));
    descriptors = writeDescriptors(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('grpcio client -> Switchboard server', () => {
    let server: Server;
    let results: Map<string, string>;

    beforeAll(async () => {
      const started = await startTestServiceNode();
      server = started.server;
      results = await runPythonClient(descriptors, started.address);
    }, 60_000);
    afterAll(() => server?.shutdown({ graceMs: 0 }));

    it.each(CLIENT_CASES)('%s', (name) => {
      expect(results.get(name) ?? 'no result').toBe('PASS');
    });
  });

  describe('Switchboard client -> grpcio server', () => {
    let python: ChildProcess;
    let clients: CaseClients | undefined;

    beforeAll(async () => {
      const started = await startPythonServer(descriptors);
      python = started.child;
      const options = { endpoints: [started.address], retry: { maxAttempts: 1 } } as const;
      clients = {
        plain: createClient(TestService, options),
        gzip: createClient(TestService, { ...options, compression: 'gzip' }),
        unimplemented: createClient(UnimplementedService, options),
      };
    }, 60_000);
    afterAll(async () => {
      await Promise.all(Object.values(clients ?? {}).map((client) => client.close()));
      python?.stdin?.end();
      if (python && python.exitCode === null) await once(python, 'exit');
    });

    // grpcio tells a handler nothing of how its request was compressed, so interop.py
    // cannot check expect_compressed: the client_compressed probes are asserted to succeed.
    it.each(CLIENT_CASES)('%s', async (name) => {
      await runClientCase(clients!, name, { compressedRequest: false });
    });
  });
});
