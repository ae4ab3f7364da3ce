import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { balancers, type Client, createClient, type Server, type ServerStats } from 'switchboard';
import { TestService, UnimplementedService } from '../gen/grpc/testing/test.js';
import { provided } from '../setup/provided.js';
import { locateRubyGrpc, type RubyGrpc } from '../setup/ruby-grpc.js';
import {
  type CaseClients,
  CLIENT_CASES,
  type ClientCase,
  largeUnary,
  pingPong,
  runClientCase,
} from './grpc-testing-cases.js';
import { startTestServiceNode } from './grpc-testing-node.js';

/**
 * The gRPC project's official interop suite, both ways, against its Ruby implementation
 * (Debian's ruby-grpc, the C core): its client.rb against a Switchboard node, the
 * Switchboard client cases against its server.rb, and roundRobin over three server.rb.
 * Without ruby-grpc (and no way to install it) every test is skipped, saying why.
 */
const SERVER_WRAPPER = fileURLToPath(new URL('./ruby-server.rb', import.meta.url));
/** One client.rb run: start-up is about a second. */
const CASE_TIMEOUT_MS = 30_000;

/** The client cases that client.rb lacks (it has every other one that needs no cloud credentials). */
const NOT_IN_CLIENT_RB = ['special_status_message', 'server_compressed_unary', 'server_compressed_streaming'] as const;
type RubyCase = Exclude<ClientCase, (typeof NOT_IN_CLIENT_RB)[number]>;
/** Every case of client.rb that needs no cloud credentials: 15. */
const RUBY_CLIENT_CASES = CLIENT_CASES.filter(
  (name): name is RubyCase => !(NOT_IN_CLIENT_RB as readonly string[]).includes(name),
);

/** Calls the node ends per method during a case, and their failures by code. */
type NodeSide = Record<string, { calls: number; failures?: Record<string, number> }>;

/**
 * What the node must have seen of each case (methods not named: no calls). Cancelled
 * cases are left out: whether the cancel comes before the call reaches the node is a race.
 */
const NODE_SIDE: Partial<Record<RubyCase, NodeSide>> = {
  empty_unary: { EmptyCall: { calls: 1 } },
  large_unary: { UnaryCall: { calls: 1 } },
  client_streaming: { StreamingInputCall: { calls: 1 } },
  server_streaming: { StreamingOutputCall: { calls: 1 } },
  ping_pong: { FullDuplexCall: { calls: 1 } },
  empty_stream: { FullDuplexCall: { calls: 1 } },
  status_code_and_message: {
    UnaryCall: { calls: 1, failures: { UNKNOWN: 1 } },
    FullDuplexCall: { calls: 1, failures: { UNKNOWN: 1 } },
  },
  custom_metadata: { UnaryCall: { calls: 1 }, FullDuplexCall: { calls: 1 } },
  unimplemented_method: {},
  unimplemented_service: {},
  // The probe (uncompressed, expect_compressed) is refused; the compressed calls are served.
  client_compressed_unary: { UnaryCall: { calls: 3, failures: { INVALID_ARGUMENT: 1 } } },
  client_compressed_streaming: { StreamingInputCall: { calls: 2, failures: { INVALID_ARGUMENT: 1 } } },
};

/** Calls per method (short name) since `before`. */
function nodeSide(before: ServerStats, after: ServerStats): NodeSide {
  const side: NodeSide = {};
  for (const method of after.methods) {
    const earlier = before.methods.find((m) => m.path === method.path);
    const calls = method.calls - (earlier?.calls ?? 0);
    if (calls === 0) continue;
    const failures: Record<string, number> = {};
    for (const [code, count] of Object.entries(method.failuresByCode)) {
      const more = count - (earlier?.failuresByCode[code] ?? 0);
      if (more > 0) failures[code] = more;
    }
    const name = method.path.slice(method.path.lastIndexOf('/') + 1);
    side[name] = Object.keys(failures).length === 0 ? { calls } : { calls, failures };
  }
  return side;
}

/** Runs client.rb for one case; its exit code and output. */
function runRubyClient(
  ruby: RubyGrpc,
  port: number,
  testCase: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      ruby.ruby,
      [ruby.clientRb, '--server_host=127.0.0.1', `--server_port=${port}`, `--test_case=${testCase}`, '--use_tls=false'],
      { timeout: CASE_TIMEOUT_MS, killSignal: 'SIGKILL' },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

/** A server.rb on a free loopback port (the wrapper binds 127.0.0.1:0 and prints the port). */
interface RubyServer {
  readonly address: string;
  stop(): Promise<void>;
}

async function startRubyServer(ruby: RubyGrpc): Promise<RubyServer> {
  const child: ChildProcess = spawn(ruby.ruby, [SERVER_WRAPPER, ruby.serverRb, '--port=0', '--use_tls=false'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Kept for the error below; the C core also logs a harmless assertion here when SIGTERM stops it.
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`server.rb exited with ${code} before listening: ${stderr}`);
  });
  const listening = (async () => {
    for await (const line of createInterface({ input: child.stdout! })) {
      const port = /^LISTENING (\d+)$/.exec(line)?.[1];
      if (port !== undefined) return `127.0.0.1:${port}`;
    }
    throw new Error('server.rb closed its output before listening');
  })();
  const address = await Promise.race([listening, exited]);
  child.stdout!.resume();
  return {
    address,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = once(child, 'exit');
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(force);
    },
  };
}

const clientOptions = { retry: { maxAttempts: 1 } } as const;

// The global setup installs ruby-grpc when it is missing; without it every test is skipped, saying why.
const ruby: RubyGrpc | string =
  provided('rubyGrpc', 'Ruby gRPC interop') === undefined ? 'ruby-grpc is not available' : locateRubyGrpc();

/** The Ruby programs, or skips the test (saying why). */
function rubyOrSkip(skip: (note: string) => void): RubyGrpc {
  if (typeof ruby === 'string') skip(ruby);
  return ruby as RubyGrpc;
}

describe('official gRPC interop with Ruby (C core)', () => {
  describe('client.rb -> Switchboard node', () => {
    let node: { server: Server; address: string } | undefined;
    beforeAll(async () => {
      if (typeof ruby !== 'string') node = await startTestServiceNode();
    });
    afterAll(() => node?.server.shutdown({ graceMs: 0 }));

    it.for(RUBY_CLIENT_CASES)('%s', { timeout: CASE_TIMEOUT_MS + 5000 }, async (name, ctx) => {
      const programs = rubyOrSkip((note) => ctx.skip(note));
      const { server, address } = node!;
      const before = server.stats();
      const run = await runRubyClient(programs, Number(address.split(':')[1]), name);
      expect(run.code, `client.rb ${name} failed:\n${run.stdout}\n${run.stderr}`).toBe(0);
      const lines = run.stdout.split('\n');
      expect(lines).toContain(`"OK: ${name}"`);
      expect(run.stdout).not.toMatch(/AssertionError|NOT RUN/);
      if (name === 'ping_pong') expect(lines.filter((line) => /^"OK: ping_pong \d"$/.test(line))).toHaveLength(4);
      const expected = NODE_SIDE[name];
      if (expected !== undefined) {
        await vi.waitFor(() => expect(server.inFlight).toBe(0), { timeout: 5000 });
        expect(nodeSide(before, server.stats())).toEqual(expected);
      }
    });
  });

  describe('Switchboard client -> server.rb', () => {
    let server: RubyServer | undefined;
    let clients: CaseClients | undefined;
    beforeAll(async () => {
      if (typeof ruby === 'string') return;
      server = await startRubyServer(ruby);
      const endpoints = [server.address];
      clients = {
        plain: createClient(TestService, { endpoints, ...clientOptions }),
        gzip: createClient(TestService, { endpoints, compression: 'gzip', ...clientOptions }),
        unimplemented: createClient(UnimplementedService, { endpoints, ...clientOptions }),
      };
    }, 30_000);
    afterAll(async () => {
      await Promise.all(Object.values(clients ?? {}).map((client) => client.close()));
      await server?.stop();
    });

    // server.rb does not check expect_compressed (grpc's own interop matrix skips
    // compression for the Ruby server): the probes are asserted to succeed.
    it.for(CLIENT_CASES)('%s', async (name, ctx) => {
      rubyOrSkip((note) => ctx.skip(note));
      await runClientCase(clients!, name, { compressedRequest: false });
    });
  });

  describe('roundRobin over three server.rb', () => {
    let servers: RubyServer[] = [];
    let client: Client<typeof TestService> | undefined;
    beforeAll(async () => {
      if (typeof ruby === 'string') return;
      const programs = ruby;
      servers = await Promise.all([1, 2, 3].map(() => startRubyServer(programs)));
      client = createClient(TestService, {
        endpoints: servers.map((s) => s.address),
        balancer: balancers.roundRobin(),
        ...clientOptions,
      });
      await client.ready({ all: true });
    }, 30_000);
    afterAll(async () => {
      await client?.close();
      await Promise.all(servers.map((s) => s.stop()));
    });

    /** Runs `count` cases, `parallel` at a time; the calls each server took. */
    async function spread(count: number, parallel: number, run: () => Promise<void>): Promise<number[]> {
      const calls = () =>
        servers.map((s) => client!.stats().endpoints.find((e) => e.address === s.address)?.calls ?? 0);
      const before = calls();
      let started = 0;
      await Promise.all(
        Array.from({ length: parallel }, async () => {
          while (started < count) {
            started++;
            await run();
          }
        }),
      );
      return calls().map((n, i) => n - before[i]!);
    }

    it('large_unary 300 times: every case passes, each server takes 100 ± 5', async (ctx) => {
      rubyOrSkip((note) => ctx.skip(note));
      const shares = await spread(300, 4, () => largeUnary(client!));
      expect(shares.reduce((a, b) => a + b)).toBe(300);
      for (const share of shares)
        expect(Math.abs(share - 100), `calls per server: ${shares.join(', ')}`).toBeLessThanOrEqual(5);
    }, 120_000);

    it('ping_pong 30 times: every case passes, each server takes 10 ± 2', async (ctx) => {
      rubyOrSkip((note) => ctx.skip(note));
      const shares = await spread(30, 3, () => pingPong(client!));
      expect(shares.reduce((a, b) => a + b)).toBe(30);
      for (const share of shares)
        expect(Math.abs(share - 10), `calls per server: ${shares.join(', ')}`).toBeLessThanOrEqual(2);
    }, 120_000);
  });
});
