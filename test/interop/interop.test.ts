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
import { TestService } from '../gen/interop.js';
import { INTEROP_CASES, runInteropCase } from './interop-cases.js';
import { startInteropServer } from './interop-server.js';
import { provided } from '../setup/provided.js';

/**
 * The standard gRPC interop cases between Switchboard (grpc-js) and Python's grpcio (the
 * C-core implementation), both ways. The test run provides Debian's grpcio for
 * /usr/bin/python3 (test/setup/python-grpc.ts); only where it cannot be had is the suite
 * skipped, with a message saying so.
 */
const PYTHON = provided('pythonGrpc', 'interop with Python grpcio');
const SCRIPT = fileURLToPath(new URL('./interop.py', import.meta.url));
const PROTO = fileURLToPath(new URL('../protos/interop.proto', import.meta.url));

const grpcio =
  PYTHON === undefined
    ? undefined
    : execFileSync(PYTHON, ['-c', 'import grpc; print(grpc.__version__)']).toString().trim();

/** The service's FileDescriptorSet (snake_case names, as protoc would write them) for Python. */
function writeDescriptors(dir: string): string {
  const root = new protobuf.Root().loadSync(PROTO, { keepCase: true });
  const file = path.join(dir, 'interop.pb');
  writeFileSync(file, descriptor.FileDescriptorSet.encode(root.toDescriptor('proto3')).finish());
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
      [SCRIPT, 'client', '--descriptors', descriptors, '--address', address, ...INTEROP_CASES],
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
      const started = await startInteropServer();
      server = started.server;
      results = await runPythonClient(descriptors, started.address);
    }, 60_000);
    afterAll(() => server?.shutdown({ graceMs: 0 }));

    it.each(INTEROP_CASES)('%s', (name) => {
      expect(results.get(name) ?? 'no result').toBe('PASS');
    });
  });

  describe('Switchboard client -> grpcio server', () => {
    let python: ChildProcess;
    let client: ReturnType<typeof createClient<typeof TestService>>;

    beforeAll(async () => {
      const started = await startPythonServer(descriptors);
      python = started.child;
      client = createClient(TestService, { endpoints: [started.address], retry: { maxAttempts: 1 } });
    }, 60_000);
    afterAll(async () => {
      await client?.close();
      python?.stdin?.end();
      if (python && python.exitCode === null) await once(python, 'exit');
    });

    it.each(INTEROP_CASES)('%s', async (name) => {
      await runInteropCase(client, name);
    });
  });
});
