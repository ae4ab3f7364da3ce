import { describe, expect, it } from 'vitest';
import { balancers, type EndpointStats, Status } from 'switchboard';
import { useEchoCluster } from '../helpers/echo-cluster.js';

const cluster = useEchoCluster();

const byId = (endpoints: readonly EndpointStats[]) => Object.fromEntries(endpoints.map((e) => [e.id, e]));

describe('client.stats()', () => {
  it(
    'counts calls, failures by code, window and total shares, ' + 'latency percentiles and the balancer view per node',
    async () => {
      await cluster.start(2, (i) => ({ weight: i + 1 }));
      const client = cluster.client({ balancer: balancers.roundRobin(), outlierDetection: false });
      await client.ready({ all: true });
      for (let i = 0; i < 20; i++) await client.unary({ text: 'ok', delayMs: 2 });
      const failed = await Promise.allSettled(
        Array.from({ length: 4 }, () => client.unary({ text: 'bad', failCode: Status.INVALID_ARGUMENT })),
      );
      expect(failed.every((r) => r.status === 'rejected')).toBe(true);

      const stats = client.stats();
      expect(stats.calls).toBe(24);
      expect(stats.failures).toBe(4);
      expect(stats.recentCalls).toBe(24);
      expect(stats.windowMs).toBe(10_000);
      const e = byId(stats.endpoints);
      for (const id of ['node-0', 'node-1']) {
        const node = e[id]!;
        expect(node.calls).toBe(12);
        expect(node.failures).toBe(2);
        expect(node.failuresByCode).toEqual({ INVALID_ARGUMENT: 2 });
        expect(node.share).toBe(0.5);
        expect(node.recentShare).toBe(0.5);
        expect(node.inFlight).toBe(0);
        expect(node.state).toBe('ready');
        // The 2 ms calls: at least 1 ms, as a timer can fire up to 1 ms early (see the server test below).
        expect(node.latencyMs.p50).toBeGreaterThanOrEqual(1);
        expect(node.latencyMs.p50).toBeLessThanOrEqual(node.latencyMs.p90);
        expect(node.latencyMs.p90).toBeLessThanOrEqual(node.latencyMs.p99);
        expect(node.latencyMs.p99).toBeLessThanOrEqual(node.latencyMs.max);
        // leastLoad's cost with nothing in flight: the service time, scaled by the fresh report's utilization.
        expect(node.leastLoadCost).toBeCloseTo(node.serviceTimeMs * (1 + node.load!.utilization), 0);
        // Switchboard nodes send a load report with every response.
        expect(node.load?.utilization).toBeGreaterThanOrEqual(0);
      }
      expect(e['node-0']!.weightShare).toBeCloseTo(1 / 3, 6);
      expect(e['node-1']!.weightShare).toBeCloseTo(2 / 3, 6);
    },
  );

  it('shows in-flight calls and their cost while they run', async () => {
    await cluster.start(1);
    const client = cluster.client();
    await client.unary({ text: 'warm' });
    const slow = Array.from({ length: 3 }, () => client.unary({ text: 'slow', delayMs: 300 }));
    const [node] = client.stats().endpoints;
    expect(node!.inFlight).toBe(3);
    expect(node!.leastLoadCost).toBeCloseTo(4 * node!.serviceTimeMs * (1 + node!.load!.utilization), 1);
    await Promise.all(slow);
    expect(client.stats().endpoints[0]!.inFlight).toBe(0);
  });
});

describe('server.stats()', () => {
  it('counts calls per method with failures by code, in-flight and handling time', async () => {
    const [node] = await cluster.start(1);
    const client = cluster.client();
    for (let i = 0; i < 5; i++) await client.unary({ text: 'hi', delayMs: 3 });
    await client.unary({ text: 'no', failCode: Status.NOT_FOUND }).catch(() => {});
    await client.unary({ text: 'throw' }).catch(() => {});
    const streamed: unknown[] = [];
    for await (const m of client.serverStream({ text: 's', count: 3 })) streamed.push(m);
    const slow = client.unary({ text: 'slow', delayMs: 300 });
    await expect.poll(() => node!.server.stats().inFlight).toBe(1);
    const during = node!.server.stats();
    await slow;

    const unary = during.methods.find((m) => m.path === '/test.echo.Echo/Unary')!;
    expect(during.nodeId).toBe('node-0');
    expect(during.inFlight).toBe(1);
    expect(unary.inFlight).toBe(1);
    expect(unary.calls).toBe(7);
    expect(unary.failures).toBe(2);
    expect(unary.failuresByCode).toEqual({ NOT_FOUND: 1, INTERNAL: 1 });
    // A 3 ms timer can fire up to 1 ms early on the monotonic clock (libuv's loop time is cached at whole
    // milliseconds), so the handling time of the 3 ms calls is at least 2 ms, never the ~0 ms of the failures.
    expect(unary.latencyMs.p50).toBeGreaterThanOrEqual(2);
    expect(during.methods.find((m) => m.path === '/test.echo.Echo/ServerStream')).toMatchObject({
      calls: 1,
      failures: 0,
    });
    // Health and node-info streams are not the node's load.
    expect(during.methods.every((m) => m.path.startsWith('/test.echo.Echo/'))).toBe(true);
    expect(node!.server.stats().methods.find((m) => m.path === '/test.echo.Echo/Unary')).toMatchObject({
      calls: 8,
      inFlight: 0,
    });
  });
});
