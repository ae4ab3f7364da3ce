import { describe, expect, it } from 'vitest';
import { type Balancer, balancers, type RpcError, Status, type Telemetry } from 'switchboard';
import type { Endpoint } from 'switchboard/extend';
import { useEchoCluster } from '../helpers/echo-cluster.js';

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail('answered'),
    (e: RpcError) => e,
  );

describe('client concurrency limit', () => {
  const cluster = useEchoCluster();

  /** A call held on a node until `hold` aborts (the node's handler waits on its signal). */
  function held(client: ReturnType<typeof cluster.client>, hold: AbortController) {
    return client.unary({ text: 'held', delayMs: 60_000 }, { signal: hold.signal }).catch(() => 'cancelled');
  }

  it('skips a node at its limit: every call goes to the node with room', async () => {
    await cluster.start(2);
    const client = cluster.client({ balancer: balancers.roundRobin(), concurrencyLimit: 1 });
    await client.ready({ all: true });
    const hold = new AbortController();
    const holding = held(client, hold);
    await expect.poll(() => client.stats().endpoints.filter((e) => e.inFlight === 1).length).toBe(1);
    const busy = client.stats().endpoints.find((e) => e.inFlight === 1)!.id;
    const served: string[] = [];
    for (let i = 0; i < 10; i++) served.push((await client.unary({ text: String(i) })).nodeId);
    expect(served).toEqual(Array(10).fill(busy === 'node-0' ? 'node-1' : 'node-0'));
    hold.abort();
    await holding;
  });

  it('with every node at its limit, fails a call whose deadline cannot be met at once, naming the limits', async () => {
    await cluster.start(2);
    // A long decay keeps the nodes' latency (learnt below) while they are held.
    const client = cluster.client({ concurrencyLimit: 1, latencyDecayMs: 600_000 });
    await client.ready({ all: true });
    await Promise.all([0, 1].map(() => client.unary({ text: 'warm', delayMs: 300 })));
    expect(client.stats().endpoints.map((e) => e.ewmaLatencyMs >= 300)).toEqual([true, true]);
    const hold = new AbortController();
    const holding = [held(client, hold), held(client, hold)];
    await expect.poll(() => client.stats().endpoints.map((e) => e.inFlight)).toEqual([1, 1]);
    // Two slots freeing every ~300 ms: a call would finish in ~450 ms, within its 700 ms deadline but past half of
    // it (the estimate is a mean; a queue filled up to the deadline runs its oldest calls out of time).
    let deadlinePassed = false;
    const timer = setTimeout(() => {
      deadlinePassed = true;
    }, 700);
    const error = await failure(client.unary({ text: 'late' }, { deadlineMs: 700 }));
    expect(deadlinePassed).toBe(false);
    clearTimeout(timer);
    expect(error.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(error.details).toMatch(
      new RegExp(
        '^test\\.echo\\.Echo: every ready node is at its concurrency limit \\(node-\\d 1, node-\\d 1\\) and behind 0 ' +
          'waiting calls it would finish in ~\\d+ ms, more than half of the \\d+ ms left of its deadline$',
      ),
    );
    expect(client.stats().concurrencyQueue).toEqual({ waiting: 0, limit: 1000, refused: 1 });
    hold.abort();
    await Promise.all(holding);
  });

  it('names only the nodes at their limit, and estimates the wait from them alone', async () => {
    await cluster.start(2);
    // A balancer that sends every call to node-0: node-1 has room, but no call may go there.
    let ready: readonly Endpoint[] = [];
    const balancer: Balancer = {
      name: 'node-0 only',
      update: (endpoints) => {
        ready = endpoints;
      },
      pick: (call) => ready.find((e) => e.id === 'node-0' && !call.tried.includes(e)),
    };
    const client = cluster.client({ balancer, concurrencyLimit: 1, concurrencyQueueLimit: 1, latencyDecayMs: 600_000 });
    await client.ready({ all: true });
    await client.unary({ text: 'warm', delayMs: 300 });
    const hold = new AbortController();
    const holding = held(client, hold);
    await expect.poll(() => client.stats().endpoints.map((e) => e.inFlight)).toEqual([1, 0]);
    // node-0 frees a slot every ~300 ms: ~600 ms to finish, past a 400 ms deadline (node-1, never called, has no
    // latency to count in the estimate; counted, it made the estimate 0 and the call waited out its deadline).
    const late = await failure(client.unary({ text: 'late' }, { deadlineMs: 400 }));
    expect(late.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(late.details).toMatch(
      new RegExp(
        '^test\\.echo\\.Echo: 1 of 2 ready nodes is at its concurrency limit \\(node-0 1\\), the others were not ' +
          'picked for it and behind 0 waiting calls it would finish in ~\\d+ ms, ' +
          'more than half of the \\d+ ms left of its deadline$',
      ),
    );
    const queued = client.unary({ text: 'queued' }, { deadlineMs: 30_000 });
    await expect.poll(() => client.stats().concurrencyQueue?.waiting).toBe(1);
    const full = await failure(client.unary({ text: 'over' }, { deadlineMs: 30_000 }));
    expect(full.details).toBe(
      'test.echo.Echo: 1 of 2 ready nodes is at its concurrency limit (node-0 1), calls wait ahead of it (FIFO) ' +
        'and 1 call waits (concurrencyQueueLimit 1)',
    );
    hold.abort();
    expect((await queued).nodeId).toBe('node-0');
    await holding;
  });

  it('queues a call while every node is at its limit and runs it when a slot frees', async () => {
    await cluster.start(1);
    const client = cluster.client({ concurrencyLimit: 1 });
    await client.ready();
    const hold = new AbortController();
    const holding = held(client, hold);
    await expect.poll(() => client.stats().endpoints[0]!.inFlight).toBe(1);
    const order: string[] = [];
    const queued = client.unary({ text: 'queued' }, { deadlineMs: 30_000 }).then((reply) => {
      order.push('queued answered');
      return reply;
    });
    await expect.poll(() => client.stats().concurrencyQueue?.waiting).toBe(1);
    order.push('slot freed');
    hold.abort();
    expect((await queued).text).toBe('queued');
    expect(order).toEqual(['slot freed', 'queued answered']);
    expect(client.stats().concurrencyQueue).toEqual({ waiting: 0, limit: 1000, refused: 0 });
    await holding;
  });

  it('gives the slot back when a call granted it fails before its attempt begins', async () => {
    await cluster.start(1);
    // A telemetry whose attempt hook throws for the calls marked `broken`: granted a slot, they never begin.
    const telemetry: Telemetry = {
      client: () => ({
        interceptor: (_call, next) => next(),
        attempt: (_endpoint, call, next) => {
          if (call.metadata.broken !== undefined) throw new Error('attempt hook broke');
          return next;
        },
        close() {},
      }),
      server: () => (_call, next) => next(),
    };
    const client = cluster.client({ concurrencyLimit: 1, telemetry });
    await client.ready();
    const hold = new AbortController();
    const holding = held(client, hold);
    await expect.poll(() => client.stats().endpoints[0]!.inFlight).toBe(1);
    const broken = failure(client.unary({ text: 'broken' }, { deadlineMs: 30_000, metadata: { broken: '1' } }));
    await expect.poll(() => client.stats().concurrencyQueue?.waiting).toBe(1);
    hold.abort();
    expect((await broken).message).toContain('attempt hook broke');
    await holding;
    // The node's one slot is free again: two calls after it run one after the other, none waits out its deadline.
    const after = await Promise.all(['a', 'b'].map((text) => client.unary({ text }, { deadlineMs: 2000 })));
    expect(after.map((r) => r.text)).toEqual(['a', 'b']);
    expect(client.stats().endpoints[0]).toMatchObject({ inFlight: 0, concurrencyLimit: 1 });
    expect(client.stats().concurrencyQueue).toEqual({ waiting: 0, limit: 1000, refused: 0 });
  });

  it('fails at once when the queue is full, and a cancelled queued call leaves the queue', async () => {
    await cluster.start(1);
    const client = cluster.client({ concurrencyLimit: 1, concurrencyQueueLimit: 1 });
    await client.ready();
    const hold = new AbortController();
    const holding = held(client, hold);
    await expect.poll(() => client.stats().endpoints[0]!.inFlight).toBe(1);
    const leave = new AbortController();
    const queued = failure(client.unary({ text: 'queued' }, { deadlineMs: 30_000, signal: leave.signal }));
    await expect.poll(() => client.stats().concurrencyQueue?.waiting).toBe(1);
    const full = await failure(client.unary({ text: 'over' }, { deadlineMs: 30_000 }));
    expect(full.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(full.details).toBe(
      'test.echo.Echo: every ready node is at its concurrency limit (node-0 1) and 1 call waits ' +
        '(concurrencyQueueLimit 1)',
    );
    leave.abort();
    expect((await queued).code).toBe(Status.CANCELLED);
    expect(client.stats().concurrencyQueue).toEqual({ waiting: 0, limit: 1, refused: 1 });
    hold.abort();
    await holding;
  });

  it('shows each node’s limit in stats: a fixed number, or the adaptive limit from its initial value', async () => {
    await cluster.start(2);
    const fixed = cluster.client({ concurrencyLimit: 3 });
    const adaptive = cluster.client({ concurrencyLimit: { initial: 8, min: 2, max: 50 } });
    const off = cluster.client();
    await Promise.all([fixed.ready({ all: true }), adaptive.ready({ all: true }), off.ready({ all: true })]);
    expect(fixed.stats().endpoints.map((e) => e.concurrencyLimit)).toEqual([3, 3]);
    expect(adaptive.stats().endpoints.map((e) => e.concurrencyLimit)).toEqual([8, 8]);
    expect(off.stats().endpoints.map((e) => e.concurrencyLimit)).toEqual([undefined, undefined]);
    expect(off.stats().concurrencyQueue).toBeUndefined();
  });

  it('refuses bad options, naming them', () => {
    const endpoints = ['127.0.0.1:1'];
    expect(() => cluster.client({ endpoints, concurrencyLimit: 0 })).toThrow(
      'createClient(test.echo.Echo): concurrencyLimit must be an integer ≥ 1, got 0',
    );
    expect(() => cluster.client({ endpoints, concurrencyLimit: 'fast' as 'adaptive' })).toThrow(
      "createClient(test.echo.Echo): concurrencyLimit must be 'adaptive', a number or AdaptiveLimitOptions, got fast",
    );
    expect(() => cluster.client({ endpoints, concurrencyLimit: { min: 5, initial: 2 } })).toThrow(
      'createClient(test.echo.Echo): concurrency limit initial must be between min 5 and max 1000, got 2',
    );
    expect(() => cluster.client({ endpoints, concurrencyQueueLimit: 4 })).toThrow(
      'createClient(test.echo.Echo): concurrencyQueueLimit needs concurrencyLimit',
    );
    expect(() => cluster.client({ endpoints, concurrencyLimit: 2, concurrencyQueueLimit: -1 })).toThrow(
      'createClient(test.echo.Echo): concurrencyQueueLimit must be an integer ≥ 0, got -1',
    );
  });
});
