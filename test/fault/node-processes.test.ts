import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { balancers, type Client, type ClientOptions, createClient } from 'switchboard';
import { Echo } from '../gen/echo.js';
import { failures, runLoad } from '../helpers/load.js';
import { killAll, type NodeProcess, portOf, startNodeProcess } from '../helpers/node-process.js';

// Nodes in child processes, killed, stopped and restarted with real signals, under a
// bounded closed-loop load of idempotent unary calls.
describe('nodes failing under load', () => {
  let nodes: NodeProcess[] = [];
  let client: Client<typeof Echo> | undefined;

  afterEach(async () => {
    await client?.close();
    killAll(nodes);
  });

  async function cluster(options: Omit<ClientOptions<typeof Echo>, 'endpoints'>) {
    nodes = await Promise.all(['node-0', 'node-1', 'node-2'].map((id) => startNodeProcess(id)));
    client = createClient(Echo, { endpoints: nodes.map((n) => n.address), deadlineMs: 5000, ...options });
    await client.ready({ all: true });
    return client;
  }

  it('a node SIGKILLed mid-run: no call fails, and its share goes to the others', async () => {
    const c = await cluster({ balancer: balancers.roundRobin() });
    const load = runLoad({
      concurrency: 16,
      durationMs: 2500,
      call: async () => (await c.unary({ text: 'k' })).nodeId,
    });
    await sleep(800);
    const killedAt = 800;
    await nodes[1]!.signal('SIGKILL');
    const records = await load;
    expect(failures(records)).toEqual([]);
    const after = records.filter((r) => r.startedMs > killedAt + 200);
    expect(after.length).toBeGreaterThan(100);
    expect(after.filter((r) => r.node === 'node-1')).toEqual([]);
    expect(new Set(after.map((r) => r.node))).toEqual(new Set(['node-0', 'node-2']));
  });

  it(
    'a node SIGSTOPped: calls keep succeeding by attempt timeout and failover; ' + 'after SIGCONT it serves again',
    async () => {
      const c = await cluster({
        balancer: balancers.roundRobin(),
        retry: { attemptTimeoutMs: 300 },
        keepalive: { timeMs: 500, timeoutMs: 500 },
        outlierDetection: { baseEjectionMs: 500 },
      });
      const load = runLoad({
        concurrency: 8,
        durationMs: 2500,
        call: async () => (await c.unary({ text: 's' })).nodeId,
      });
      await sleep(500);
      await nodes[1]!.signal('SIGSTOP');
      await sleep(1200);
      await nodes[1]!.signal('SIGCONT');
      const records = await load;
      expect(failures(records)).toEqual([]);
      await c.ready({ all: true, timeoutMs: 10_000 });
      const served = new Set<string>();
      for (let i = 0; i < 30; i++) served.add((await c.unary({ text: 'back' })).nodeId);
      expect(served).toContain('node-1');
    },
  );

  it('a node restarted on the same port rejoins and gets calls again', async () => {
    const c = await cluster({ grpcOptions: { 'grpc.max_reconnect_backoff_ms': 500 } });
    const port = portOf(nodes[1]!.address);
    await nodes[1]!.signal('SIGKILL');
    for (let i = 0; i < 20; i++) expect((await c.unary({ text: 'x' })).nodeId).not.toBe('node-1');
    nodes[1] = await startNodeProcess('node-1', port);
    await c.ready({ all: true, timeoutMs: 10_000 });
    const served = new Set<string>();
    for (let i = 0; i < 30; i++) served.add((await c.unary({ text: 'y' })).nodeId);
    expect(served).toEqual(new Set(['node-0', 'node-1', 'node-2']));
  });

  it('a node shut down gracefully (SIGTERM) under load: no call fails, not even non-idempotent ones', async () => {
    const c = await cluster({ balancer: balancers.roundRobin() });
    const load = runLoad({
      concurrency: 16,
      durationMs: 2500,
      call: async () => (await c.write({ text: 'w', delayMs: 20 })).nodeId,
    });
    await sleep(800);
    await nodes[1]!.signal('SIGTERM');
    const records = await load;
    expect(failures(records)).toEqual([]);
    expect(records.filter((r) => r.startedMs > 1500 && r.node === 'node-1')).toEqual([]);
  });
});
