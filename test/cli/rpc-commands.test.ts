// The `call` and `bench` commands, run as the built binary (dist/cli/main.js) in a child
// process (one test: `call` in this process) against real Echo nodes on loopback.
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { etcdRegistry } from 'switchboard';
import { type LocalEtcd, startEtcd } from '../../scripts/dev/etcd.js';
import { registerCallCommand } from '../../src/cli/call-command.js';
import { buildCli, switchboard } from '../helpers/cli.js';
import { useEchoCluster } from '../helpers/echo-cluster.js';
import { countBy, type EchoNode, startEchoNode, stopAll } from '../helpers/echo-nodes.js';
import { provided } from '../setup/provided.js';

const PROTO = 'test/protos/echo.proto';

/** One pattern from regex literals written in parts (so that lines stay short); no flags. */
const pattern = (...parts: RegExp[]) => new RegExp(parts.map((p) => p.source).join(''));

const cluster = useEchoCluster();
let nodes: readonly EchoNode[] = [];
let target = '';
beforeAll(async () => {
  buildCli();
  nodes = await cluster.start(2);
  target = nodes.map((n) => n.address).join(',');
}, 120_000);

describe('switchboard call', () => {
  it('prints the response as JSON and the node that served it', async () => {
    const result = await switchboard(
      'call',
      nodes[0]!.address,
      'test.echo.Echo/Unary',
      '{"text":"hi"}',
      '--proto',
      PROTO,
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ text: 'hi', nodeId: 'node-0', index: 0 });
    expect(result.stderr).toBe(`served by node-0 (${nodes[0]!.address})\n`);
  });

  it('prints each message of a server stream, over a comma list of nodes', async () => {
    const result = await switchboard(
      'call',
      target,
      '/test.echo.Echo/ServerStream',
      '{"text":"s","count":3}',
      '--proto',
      PROTO,
    );
    expect(result.code).toBe(0);
    const messages = result.stdout
      .trim()
      .split(/\n(?=\{)/)
      .map((m) => JSON.parse(m) as { index: number; nodeId: string });
    expect(messages.map((m) => m.index)).toEqual([0, 1, 2]);
    expect(result.stderr).toMatch(new RegExp(`^served by ${messages[0]!.nodeId} \\(127\\.0\\.0\\.1:\\d+\\)\\n$`));
  });

  it('sends an array of requests to a client-streaming method', async () => {
    const result = await switchboard(
      'call',
      target,
      'test.echo.Echo/ClientStream',
      '[{"text":"a"},{"text":"b"}]',
      '--proto',
      PROTO,
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ text: 'a,b', index: 2 });
  });

  // Each command line is a new client: it waits a moment for every node of the list, so the
  // balancer's first pick is among all of them, not just the first node to connect. Thirty
  // command lines run in this process (a process each would cost a second of start-up here).
  it('spreads calls from one command line after another over all 3 nodes', async () => {
    const three = await Promise.all([0, 1, 2].map((i) => startEchoNode(`node-${i}`)));
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => {});
    const stdout = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const list = three.map((n) => n.address).join(',');
      for (let i = 0; i < 30; i++) {
        const program = new Command('switchboard');
        registerCallCommand(program);
        await program.parseAsync(['call', list, 'test.echo.Echo/Unary', '{"text":"s"}', '--proto', PROTO], {
          from: 'user',
        });
      }
      const served = stderr.mock.calls.map(([line]) => /^served by (node-\d) /.exec(String(line))?.[1] ?? String(line));
      expect(served).toHaveLength(30);
      // roundRobin starts at a random node: one of the 3 gets none of 30 calls with probability 3·(2/3)^30 ≈ 2e-5.
      expect(Object.keys(countBy(served, (id) => id)).sort()).toEqual(['node-0', 'node-1', 'node-2']);
    } finally {
      stderr.mockRestore();
      stdout.mockRestore();
      await stopAll(three);
    }
  });

  it('picks the node with the balancer named by --balancer', async () => {
    const result = await switchboard(
      'call',
      target,
      'test.echo.Echo/Unary',
      '{"text":"b"}',
      '--proto',
      PROTO,
      '--balancer',
      'leastLoad',
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^served by node-[01] \(127\.0\.0\.1:\d+\)\n$/);
  });

  it.each([
    [
      ['call', '127.0.0.1:1', 'test.echo.Echo/Unary', '{}', '--proto', PROTO, '--balancer', 'fastest'],
      /^switchboard call: unknown balancer "fastest"; registered: roundRobin, .+\n$/,
    ],
    [
      ['call', '127.0.0.1:1', 'test.echo.Echo/Unary', '{}', '--proto', 'test/protos/nope.proto'],
      /^switchboard call: proto file not found: .*nope\.proto\n$/,
    ],
    [
      ['call', '127.0.0.1:1', 'test.echo.Echo/Nope', '{}', '--proto', PROTO],
      pattern(
        /^switchboard call: method Nope is not in test\.echo\.Echo /,
        /\(methods: Unary, Write, ServerStream, ClientStream, Bidi\)\n$/,
      ),
    ],
    [
      ['call', '127.0.0.1:1', 'test.echo.Nope/Unary', '{}', '--proto', PROTO],
      pattern(
        /^switchboard call: service test\.echo\.Nope is not defined in .*echo\.proto /,
        /\(services there: test\.echo\.Echo\)\n$/,
      ),
    ],
    [
      ['call', '127.0.0.1:1', 'test.echo.Echo/Unary', '{"text":', '--proto', PROTO],
      /^switchboard call: request is not valid JSON: .+\n$/,
    ],
    [
      ['call', '127.0.0.1:1', 'test.echo.Echo/Unary', '{"txt":"a"}', '--proto', PROTO],
      pattern(
        /^switchboard call: bad request for test\.echo\.EchoRequest: /,
        /field "txt": no such field in EchoRequest \(fields: text, delayMs, count, failCode\)\n$/,
      ),
    ],
    [
      ['call', '127.0.0.1:1', 'test.echo.Echo/Unary', '{"count":"three"}', '--proto', PROTO],
      pattern(
        /^switchboard call: bad request for test\.echo\.EchoRequest: /,
        /field "count": expected int32 \(an integer\), got string "three"\n$/,
      ),
    ],
    [
      ['call', 'localhost', 'test.echo.Echo/Unary', '{}', '--proto', PROTO],
      /^switchboard call: bad target "localhost": expected host:port, .+\n$/,
    ],
    [
      ['call', '127.0.0.1:1', 'test.echo.Echo/Unary', '{}', '--proto', PROTO, '--timeout', '500'],
      /^switchboard call: cannot reach 127\.0\.0\.1:1 within 500 ms \(is a node listening there\?\)\n$/,
    ],
  ])('fails with one line naming what is wrong: %j', async (args, message) => {
    const result = await switchboard(...args);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('fails with the status when the call fails on the node', async () => {
    const result = await switchboard(
      'call',
      nodes[0]!.address,
      'test.echo.Echo/Unary',
      '{"text":"x","failCode":5}',
      '--proto',
      PROTO,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^switchboard call: \/test\.echo\.Echo\/Unary on node-0 \(127\.0\.0\.1:\d+\) NOT_FOUND: asked to fail by x\n$/,
    );
  });
});

describe('switchboard bench', () => {
  it('prints rps, latency percentiles, errors and per-node shares for each balancer as JSON', async () => {
    const result = await switchboard(
      'bench',
      target,
      'test.echo.Echo/Unary',
      '{"text":"b","delayMs":1}',
      '--proto',
      PROTO,
      '--balancer',
      'roundRobin,leastLoad',
      '--concurrency',
      '4',
      '--duration',
      '1',
      '--json',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      method: string;
      results: {
        balancer: string;
        calls: number;
        errors: number;
        rps: number;
        latencyMs: { p50: number; p99: number };
        nodes: Record<string, number>;
      }[];
    };
    expect(report.method).toBe('/test.echo.Echo/Unary');
    expect(report.results.map((r) => r.balancer)).toEqual(['roundRobin', 'leastLoad']);
    for (const r of report.results) {
      expect(r.calls).toBeGreaterThan(0);
      expect(r.errors).toBe(0);
      expect(r.rps).toBeGreaterThan(0);
      expect(r.latencyMs.p50).toBeGreaterThan(0);
      expect(Object.keys(r.nodes).sort()).toEqual(['node-0', 'node-1']);
      expect(r.nodes['node-0']! + r.nodes['node-1']!).toBeCloseTo(1, 6);
    }
    // Round robin alternates (up to the start, on a busy machine, before both nodes are ready).
    const rr = report.results[0]!;
    expect(rr.nodes['node-0']).toBeGreaterThan(0.4);
    expect(rr.nodes['node-0']).toBeLessThan(0.6);
  });

  it('prints a table', async () => {
    const result = await switchboard(
      'bench',
      nodes[0]!.address,
      'test.echo.Echo/Unary',
      '{}',
      '--proto',
      PROTO,
      '--concurrency',
      '2',
      '--duration',
      '0.5',
    );
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toContain('/test.echo.Echo/Unary on 1 node, 2 calls in flight, 0.5 s per balancer');
    expect(lines.at(-3)).toMatch(/^balancer\s+calls\/s\s+p50 ms\s+p90 ms\s+p99 ms\s+errors\s+node-0$/);
    expect(lines.at(-1)).toMatch(/^roundRobin\s+\d+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+0\s+100%$/);
  });

  it('fails with one line for an unknown balancer', async () => {
    const result = await switchboard(
      'bench',
      target,
      'test.echo.Echo/Unary',
      '{}',
      '--proto',
      PROTO,
      '--balancer',
      'fastest',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^switchboard bench: unknown balancer "fastest"; registered: roundRobin, .+\n$/);
  });
});

describe.skipIf(provided('etcd', 'switchboard call etcd:// tests') === undefined)('switchboard call etcd://', () => {
  let etcd: LocalEtcd;
  let registered: EchoNode[] = [];
  beforeAll(async () => {
    etcd = await startEtcd();
    const registry = etcdRegistry({ hosts: etcd.host, prefix: 'cli', log: () => {} });
    registered = [await startEchoNode('etcd-node', { registry })];
  });
  afterAll(async () => {
    await stopAll(registered);
    await etcd?.close();
  });

  it('calls the nodes registered under the prefix', async () => {
    const result = await switchboard(
      'call',
      `etcd://${etcd.host}/cli`,
      'test.echo.Echo/Unary',
      '{"text":"e"}',
      '--proto',
      PROTO,
    );
    expect(result.stderr).toBe(`served by etcd-node (${registered[0]!.address})\n`);
    expect(JSON.parse(result.stdout)).toMatchObject({ text: 'e', nodeId: 'etcd-node' });
  });

  it('fails with one line when no node is registered under the prefix', async () => {
    const result = await switchboard(
      'call',
      `etcd://${etcd.host}/empty`,
      'test.echo.Echo/Unary',
      '{}',
      '--proto',
      PROTO,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `switchboard call: no node of test.echo.Echo is registered in etcd at ${etcd.host} under /empty\n`,
    );
  });
});

it('fails with one line when etcd is unreachable', async () => {
  const result = await switchboard(
    'call',
    'etcd://127.0.0.1:1/x',
    'test.echo.Echo/Unary',
    '{}',
    '--proto',
    PROTO,
    '--timeout',
    '1000',
  );
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(
    /^switchboard call: cannot reach etcd at 127\.0\.0\.1:1: .*ECONNREFUSED 127\.0\.0\.1:1\n$/,
  );
});
