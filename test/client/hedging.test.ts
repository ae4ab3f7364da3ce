import { describe, expect, it } from 'vitest';
import { balancers, createClient, createMetrics, RpcError, seededRandom, Status } from 'switchboard';
import { HedgeDelay } from '../../src/client/call/hedge-delay.js';
import { hedgingPolicy } from '../../src/client/call/hedging-policy.js';
import { Echo } from '../gen/echo.js';
import { useEchoCluster } from '../helpers/echo-cluster.js';
import { runLoad } from '../helpers/load.js';

describe('hedging on real nodes', () => {
  const cluster = useEchoCluster();

  it(
    'sends a hedge after the delay to a node not tried; the first answer wins and the loser is cancelled ' +
      'on its node, without counting against it',
    async () => {
      const [slow] = await cluster.start(3, (i) => ({ serviceMs: i === 0 ? 5000 : 0 }));
      const metrics = createMetrics();
      const c = cluster.client({
        balancer: balancers.roundRobin(),
        // Long enough that a call to a fast node never hedges, even on a busy machine.
        hedging: { maxAttempts: 2, delayMs: 300 },
        hedgingBudget: { minPerSecond: 10 },
        // One failure would eject: a cancelled loser must not be one.
        outlierDetection: { consecutiveFailures: 1 },
        metrics,
      });
      await c.ready({ all: true });
      const answers: { node: string; text: string; ms: number }[] = [];
      for (let i = 0; i < 6; i++) {
        const started = performance.now();
        const answer = await c.unary({ text: `h${i}` });
        answers.push({ node: answer.nodeId, text: answer.text, ms: performance.now() - started });
      }
      expect(answers.map((a) => a.node)).not.toContain('node-0');
      for (const a of answers) expect(a.ms).toBeLessThan(2000);
      const stats = c.stats();
      const node0 = stats.endpoints.find((e) => e.id === 'node-0')!;
      // The calls round robin sent to node-0 first (at least one in six): each was hedged elsewhere and won there.
      const first = node0.calls;
      expect(first).toBeGreaterThanOrEqual(1);
      const hedges = stats.endpoints.reduce((n, e) => n + e.hedges, 0);
      const won = stats.endpoints.reduce((n, e) => n + e.hedgesWon, 0);
      expect({ hedges, won, node0Hedges: node0.hedges }).toEqual({ hedges: first, won: first, node0Hedges: 0 });
      expect(node0.failuresByCode).toEqual({ CANCELLED: first });
      expect(node0.state).toBe('ready');
      expect(stats.hedgingBudget.spent).toBe(first);
      // The losers' handlers saw their calls cancelled.
      await expect.poll(() => slow!.aborted.length).toBe(first);
      expect(slow!.aborted.every((text) => answers.some((a) => a.text === text))).toBe(true);
      const text = await metrics.text();
      expect(text).toMatch(/switchboard_client_hedges_total\{grpc_service="test\.echo\.Echo",node="node-0"\} 0/);
      expect(text).toMatch(
        /switchboard_client_hedges_won_total\{grpc_service="test\.echo\.Echo",node="node-\d"\} [1-6]/,
      );
    },
  );

  it('hedges a server stream until its first message; the stream then stays on the node that sent it', async () => {
    const [slow] = await cluster.start(3, (i) => ({ serviceMs: i === 0 ? 5000 : 5 }));
    const c = cluster.client({
      balancer: balancers.roundRobin(),
      methods: { serverStream: { idempotent: true, hedging: { maxAttempts: 2, delayMs: 100 } } },
      hedgingBudget: { minPerSecond: 10 },
    });
    await c.ready({ all: true });
    const streams: { text: string; nodeId: string; index: number }[][] = [];
    for (let i = 0; i < 4; i++) {
      const messages = [];
      for await (const m of c.serverStream({ text: `s${i}`, count: 3 })) messages.push(m);
      streams.push(messages);
    }
    for (const messages of streams) {
      expect(messages.map((m) => m.index)).toEqual([0, 1, 2]);
      expect(new Set(messages.map((m) => m.nodeId)).size).toBe(1);
      expect(messages[0]!.nodeId).not.toBe('node-0');
    }
    const node0 = c.stats().endpoints.find((e) => e.id === 'node-0')!;
    expect(node0.calls).toBeGreaterThanOrEqual(1);
    expect(node0.failuresByCode).toEqual({ CANCELLED: node0.calls });
    await expect.poll(() => slow!.aborted.length).toBe(node0.calls);
  });

  it('stops at a fatal status (no hedge follows); a non-fatal one sends the next hedge at once', async () => {
    await cluster.start(3);
    const c = cluster.client({
      hedging: { maxAttempts: 3, delayMs: 40 },
      hedgingBudget: { minPerSecond: 10 },
      outlierDetection: false,
    });
    await c.ready({ all: true });
    const fatal = await c.unary({ text: 'f', failCode: Status.INVALID_ARGUMENT }).catch((e: unknown) => e);
    expect(fatal).toBeInstanceOf(RpcError);
    expect((fatal as RpcError).code).toBe(Status.INVALID_ARGUMENT);
    // Past the delay twice over: still the one attempt.
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(c.stats().calls).toBe(1);

    const patient = cluster.client({
      hedging: { maxAttempts: 3, delayMs: 2000 },
      hedgingBudget: { minPerSecond: 10 },
      outlierDetection: false,
    });
    await patient.ready({ all: true });
    const started = performance.now();
    const unavailable = await patient.unary({ text: 'u', failCode: Status.UNAVAILABLE }).catch((e: unknown) => e);
    expect((unavailable as RpcError).code).toBe(Status.UNAVAILABLE);
    expect((unavailable as RpcError).details).toMatch(/\(3 attempts: node-\d, node-\d, node-\d\)$/);
    // The hedges went at once on each failure, not after the delay.
    expect(performance.now() - started).toBeLessThan(1000);
    const stats = patient.stats();
    expect(stats.endpoints.map((e) => e.calls)).toEqual([1, 1, 1]);
    expect(stats.endpoints.reduce((n, e) => n + e.hedges, 0)).toBe(2);
  });

  it('spends no more hedges than the budget allows, under a seeded random mix of slow calls', async () => {
    await cluster.start(3);
    const c = cluster.client({
      balancer: balancers.leastLoad({ random: seededRandom(7) }),
      hedging: { maxAttempts: 2, delayMs: 5 },
      hedgingBudget: { ratio: 0.1, minPerSecond: 0 },
      outlierDetection: false,
    });
    await c.ready({ all: true });
    const random = seededRandom(42);
    const records = await runLoad({
      concurrency: 4,
      durationMs: 10_000,
      maxCalls: 200,
      // About a third of the calls are slow on whichever node takes them: each would hedge.
      call: async () => (await c.unary({ text: 'b', delayMs: random() < 0.3 ? 30 : 0 })).nodeId,
    });
    expect(records).toHaveLength(200);
    expect(records.filter((r) => r.error !== undefined)).toEqual([]);
    const stats = c.stats();
    const hedges = stats.endpoints.reduce((n, e) => n + e.hedges, 0);
    expect(hedges).toBeLessThanOrEqual(20);
    expect(hedges).toBeGreaterThanOrEqual(15);
    expect(stats.calls).toBe(200 + hedges);
    expect(stats.hedgingBudget).toMatchObject({ calls: 200, spent: hedges });
  });
});

describe('hedging options', () => {
  const endpoints = ['127.0.0.1:1'];

  it('refuses hedging on a method that is not idempotent, or streams, or also retries', async () => {
    expect(() => createClient(Echo, { endpoints, methods: { write: { hedging: { maxAttempts: 2 } } } })).toThrow(
      'createClient(test.echo.Echo): methods.write.hedging: write is not idempotent, and hedging sends the same ' +
        'call to several nodes; mark it idempotent (methods.write.idempotent: true) ' +
        'only if running it twice is harmless',
    );
    expect(() =>
      createClient(Echo, { endpoints, methods: { bidi: { idempotent: true, hedging: { maxAttempts: 2 } } } }),
    ).toThrow(
      'createClient(test.echo.Echo): methods.bidi.hedging: client-streaming and bidi methods do not hedge; ' +
        'bidi streams requests',
    );
    expect(() =>
      createClient(Echo, { endpoints, methods: { unary: { retry: { maxAttempts: 2 }, hedging: { maxAttempts: 2 } } } }),
    ).toThrow('createClient(test.echo.Echo): methods.unary: give retry or hedging, not both');
    expect(() => createClient(Echo, { endpoints, hedging: { maxAttempts: 1 } })).toThrow(
      'createClient(test.echo.Echo): hedging.maxAttempts must be an integer ≥ 2, got 1',
    );
    expect(() =>
      createClient(Echo, { endpoints, methods: { unary: { hedging: { maxAttempts: 2, delayMs: -1 } } } }),
    ).toThrow('createClient(test.echo.Echo): methods.unary.hedging.delayMs must be 0 or more, got -1');
    // Marked idempotent, it may hedge; the client-wide option leaves non-idempotent methods alone.
    await createClient(Echo, {
      endpoints,
      methods: { write: { idempotent: true, hedging: { maxAttempts: 2 } } },
    }).close();
    await createClient(Echo, { endpoints, hedging: { maxAttempts: 2 } }).close();
  });

  it('adapts the delay to the p95 of recent latency, above a floor, and sends no hedge before it knows any', () => {
    const delay = new HedgeDelay(hedgingPolicy({ maxAttempts: 2, minDelayMs: 5 }, 'test', 'hedging'));
    for (let i = 0; i < 63; i++) delay.record(50);
    expect(delay.value).toBe(Number.POSITIVE_INFINITY);
    for (let i = 1; i <= 512; i++) delay.record(i % 100);
    expect(delay.value).toBeGreaterThanOrEqual(93);
    expect(delay.value).toBeLessThanOrEqual(97);
    for (let i = 0; i < 1024; i++) delay.record(1);
    expect(delay.value).toBe(5);
    // Another percentile, when asked for.
    const p98 = new HedgeDelay(hedgingPolicy({ maxAttempts: 2, percentile: 0.98 }, 'test', 'hedging'));
    for (let i = 1; i <= 512; i++) p98.record(i % 100);
    expect(p98.value).toBeGreaterThanOrEqual(96);
    expect(p98.value).toBeLessThanOrEqual(99);
    expect(() => hedgingPolicy({ maxAttempts: 2, percentile: 1 }, 'createClient(Echo)', 'hedging')).toThrow(
      'createClient(Echo): hedging.percentile must be in (0, 1), got 1',
    );
  });
});
