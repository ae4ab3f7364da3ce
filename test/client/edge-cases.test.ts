import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { type Balancer, createServer, type RpcError, type Server, Status } from 'switchboard';
import type { Endpoint } from 'switchboard/extend';
import { Echo } from '../gen/echo.js';
import { useEchoCluster } from '../helpers/echo-cluster.js';

// Edge cases of the call path found in review: each once hung, leaked or blamed the wrong side.
describe('call edge cases', () => {
  const cluster = useEchoCluster();
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.shutdown({ graceMs: 0 })));
  });

  /** A node whose streaming handlers pause and record what they saw. */
  async function pausingNode(seen: string[]): Promise<string> {
    const server = createServer({ nodeId: 'p', onHandlerError: () => {} });
    server.add(Echo, {
      async *serverStream(_req, ctx) {
        yield { text: 'first' };
        await sleep(5000, undefined, { signal: ctx.signal }).catch(() => seen.push('stream aborted'));
        yield { text: 'late' };
      },
      async clientStream(requests) {
        for await (const req of requests) {
          seen.push(`got ${req.text}`);
          if (req.text === 'enough') return { text: 'early answer' };
        }
        return { text: 'all' };
      },
    });
    servers.push(server);
    return (await server.listen('127.0.0.1:0')).address;
  }

  it('breaking out of a server stream under an interceptor cancels the call at once', async () => {
    const seen: string[] = [];
    const c = cluster.client({ endpoints: [await pausingNode(seen)], interceptors: [async (_call, next) => next()] });
    const started = performance.now();
    for await (const reply of c.serverStream({ text: 'x' })) {
      expect(reply.text).toBe('first');
      break;
    }
    expect(performance.now() - started).toBeLessThan(2000);
    await expect.poll(() => seen).toContain('stream aborted');
  });

  it('a request stream that throws fails the call as CANCELLED and does not count against the node', async () => {
    const seen: string[] = [];
    const c = cluster.client({ endpoints: [await pausingNode(seen)] });
    async function* broken() {
      yield { text: 'one' };
      throw new Error('caller bug');
    }
    for (let i = 0; i < 6; i++) {
      const error = (await c.clientStream(broken()).catch((e: unknown) => e)) as RpcError;
      expect(error.code).toBe(Status.CANCELLED);
      expect(error.details).toBe('request stream failed: caller bug');
    }
    expect(c.stats().endpoints[0]!.state).toBe('ready');
    expect(c.stats().endpoints[0]!.failuresByCode).toEqual({ CANCELLED: 6 });
  });

  it('a server that answers a client stream early stops the upload and finalizes the request iterator', async () => {
    const seen: string[] = [];
    const c = cluster.client({ endpoints: [await pausingNode(seen)] });
    let finalized = false;
    async function* many() {
      try {
        yield { text: 'enough' };
        for (let i = 0; i < 100_000; i++) yield { text: 'x'.repeat(1000) };
      } finally {
        finalized = true;
      }
    }
    expect(await c.clientStream(many())).toMatchObject({ text: 'early answer' });
    await expect.poll(() => finalized).toBe(true);
  });

  it('closing a client ends calls that wait for a node at once', async () => {
    const c = cluster.client({ endpoints: ['127.0.0.1:1'] });
    const pending = c.unary({ text: 'x' }).catch((e: unknown) => e);
    await sleep(100);
    const started = performance.now();
    await c.close();
    const error = (await pending) as RpcError;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error.code).toBe(Status.CANCELLED);
    expect(error.details).toBe('client of test.echo.Echo closed');
  });

  it('a call cancelled while it waits to retry ends CANCELLED, not with the previous attempt', async () => {
    await cluster.startNode('sick', { failWith: Status.UNAVAILABLE });
    const c = cluster.client({
      retry: { backoff: { initialMs: 2000, maxMs: 2000, jitter: 0 } },
      outlierDetection: false,
    });
    const controller = new AbortController();
    const pending = c.unary({ text: 'x' }, { signal: controller.signal }).catch((e: unknown) => e);
    await sleep(200);
    controller.abort();
    const error = (await pending) as RpcError;
    expect(error.code).toBe(Status.CANCELLED);
    expect(error.details).toBe('call cancelled while waiting to retry');
  });

  it('the responses of a bidi call iterate once; a second iteration sends nothing', async () => {
    const node = await cluster.startNode('n');
    const c = cluster.client();
    const responses = c.bidi([{ text: 'a' }]);
    const texts: string[] = [];
    for await (const reply of responses) texts.push(reply.text);
    expect(texts).toEqual(['A']);
    expect(() => responses[Symbol.asyncIterator]()).toThrow("a bidi call's responses can be iterated once");
    await expect.poll(() => node.server.inFlight).toBe(0);
  });

  it(
    'a grpc-js interceptor in the channel options that answers at once ' + 'settles the call and frees the node',
    async () => {
      await cluster.startNode('n');
      // Answers only the Echo calls: the client's own health and node-info calls go through.
      const refuse: grpc.Interceptor = (options, next) =>
        options.method_definition.path !== Echo.methods.unary.path
          ? new grpc.InterceptingCall(next(options))
          : new grpc.InterceptingCall(next(options), {
              start: (_metadata, listener) =>
                listener.onReceiveStatus({
                  code: Status.PERMISSION_DENIED,
                  details: 'refused here',
                  metadata: new grpc.Metadata(),
                }),
            });
      const c = cluster.client({ grpcOptions: { interceptors: [refuse] } });
      const error = (await c.unary({ text: 'a' }).catch((e: unknown) => e)) as RpcError;
      expect(error.code).toBe(Status.PERMISSION_DENIED);
      expect(error.details).toBe('refused here');
      expect(c.stats().endpoints[0]!.inFlight).toBe(0);
    },
  );

  it("a custom balancer's onCallEnd that throws fails that call with its error; the client keeps working", async () => {
    await cluster.startNode('n');
    let ready: readonly Endpoint[] = [];
    let throwOnce = true;
    const balancer: Balancer = {
      name: 'throwing',
      update: (endpoints) => {
        ready = endpoints;
      },
      pick: () => ready[0],
      onCallEnd: () => {
        if (!throwOnce) return;
        throwOnce = false;
        throw new Error('feedback broke');
      },
    };
    const c = cluster.client({ balancer });
    await expect(c.unary({ text: 'a' })).rejects.toThrow('feedback broke');
    await expect(c.unary({ text: 'b' })).resolves.toMatchObject({ text: 'b' });
    expect(c.stats().endpoints[0]!.inFlight).toBe(0);
  });
});
