import { describe, expect, it } from 'vitest';
import { createClient, createServer, defineService, type RpcError, Status, unary } from 'switchboard';
import { Health } from '../../src/gen/grpc/health/v1/health.js';
import { Echo } from '../gen/echo.js';
import { useEchoCluster } from '../helpers/echo-cluster.js';

describe('server node', () => {
  const cluster = useEchoCluster();

  it(
    'refuses a second sendHeader with an error naming the method; ' + 'uncaught, it fails the call with INTERNAL',
    async () => {
      const server = createServer({ nodeId: 'headers' });
      let seen = '';
      server.add(Echo, {
        async unary(req, ctx) {
          ctx.sendHeader({ first: 'yes' });
          try {
            ctx.sendHeader({ second: 'yes' });
          } catch (error) {
            seen = (error as Error).message;
            if (req.text === 'rethrow') throw error;
          }
          return { text: req.text, nodeId: 'headers' };
        },
      });
      const { address } = await server.listen('127.0.0.1:0');
      const client = createClient(Echo, { endpoints: [address], retry: { maxAttempts: 1 } });
      const message =
        'INTERNAL: sendHeader in /test.echo.Echo/Unary: ' +
        'the response headers were already sent (sendHeader is once per call)';
      try {
        const headers: Record<string, unknown>[] = [];
        await expect(
          client.unary({ text: 'caught' }, { onHeader: (m) => headers.push(m.getMap()) }),
        ).resolves.toMatchObject({ text: 'caught' });
        expect(seen).toBe(message);
        expect(headers).toEqual([expect.objectContaining({ first: 'yes' })]);
        expect(headers[0]).not.toHaveProperty('second');

        seen = '';
        const error = (await client.unary({ text: 'rethrow' }).catch((e: unknown) => e)) as RpcError;
        expect(seen).toBe(message);
        expect(error.code).toBe(Status.INTERNAL);
        expect(error.details).toBe(
          'sendHeader in /test.echo.Echo/Unary: the response headers were already sent (sendHeader is once per call)',
        );
      } finally {
        await client.close();
        await server.shutdown({ graceMs: 0 });
      }
    },
  );

  it('answers UNIMPLEMENTED for a method it does not serve', async () => {
    const node = await cluster.startNode('n');
    const Missing = defineService({
      name: 'test.echo.Echo',
      schema: Echo.schema,
      methods: {
        nope: unary<object, object>({
          name: 'Nope',
          path: '/test.echo.Echo/Nope',
          requestType: 'test.echo.EchoRequest',
          responseType: 'test.echo.EchoReply',
        }),
      },
    });
    const client = createClient(Missing, { endpoints: [node.address] });
    const error = (await client.nope({}).catch((e: unknown) => e)) as RpcError;
    await client.close();
    expect(error.code).toBe(Status.UNIMPLEMENTED);
  });

  it('serves grpc.health.v1 and goes NOT_SERVING when it shuts down; in-flight calls finish within grace', async () => {
    const node = await cluster.startNode('n');
    const health = createClient(Health, { endpoints: [node.address] });
    const echo = cluster.client();
    expect(await health.check({ service: '' })).toEqual({ status: 'SERVING' });
    expect(await health.check({ service: 'test.echo.Echo' })).toEqual({ status: 'SERVING' });
    await expect(health.check({ service: 'nope' })).rejects.toMatchObject({ code: Status.NOT_FOUND });

    const watched: string[] = [];
    const watching = (async () => {
      for await (const update of health.watch({ service: 'test.echo.Echo' })) watched.push(update.status);
    })().catch(() => {});
    await expect.poll(() => watched).toEqual(['SERVING']);

    const inFlight = echo.unary({ text: 'finishing', delayMs: 300 });
    await expect.poll(() => node.server.inFlight).toBe(1); // health streams are not counted
    const shutdown = node.server.shutdown({ graceMs: 3000 });
    await expect(inFlight).resolves.toMatchObject({ text: 'finishing' });
    await shutdown;
    await watching;
    expect(watched).toEqual(['SERVING', 'NOT_SERVING']);
    await health.close();
  });

  it('cancels calls still running when the grace period ends', async () => {
    const node = await cluster.startNode('n');
    const echo = cluster.client({ retry: { maxAttempts: 1 } });
    const slow = echo.unary({ text: 'too-slow', delayMs: 10_000 }).catch((e: unknown) => e);
    await expect.poll(() => node.server.inFlight).toBe(1);
    await node.server.shutdown({ graceMs: 100 });
    const error = (await slow) as RpcError;
    expect([Status.UNAVAILABLE, Status.CANCELLED]).toContain(error.code);
    expect(node.aborted).toContain('too-slow');
  });

  it("aborts a handler's signal read only after the caller cancelled, with CANCELLED", async () => {
    const server = createServer({ nodeId: 'late-reader' });
    const seen: unknown[] = [];
    let resolve = () => {};
    const read = new Promise<void>((r) => {
      resolve = r;
    });
    server.add(Echo, {
      async unary(req, ctx) {
        await new Promise((r) => setTimeout(r, 200));
        seen.push(ctx.signal.aborted, (ctx.signal.reason as RpcError | undefined)?.code);
        resolve();
        return { text: req.text };
      },
    });
    const { address } = await server.listen('127.0.0.1:0');
    const echo = createClient(Echo, { endpoints: [address], retry: { maxAttempts: 1 } });
    const controller = new AbortController();
    const call = echo.unary({ text: 'x' }, { signal: controller.signal }).catch((e: unknown) => e);
    await expect.poll(() => server.inFlight).toBe(1);
    controller.abort();
    expect(((await call) as RpcError).code).toBe(Status.CANCELLED);
    await read;
    expect(seen).toEqual([true, Status.CANCELLED]);
    await echo.close();
    await server.shutdown({ graceMs: 0 });
  });

  it('rejects bad options and handlers with errors that name them', async () => {
    expect(() => createServer({ nodeId: '' })).toThrow('nodeId must be a non-empty string');
    expect(() => createServer({ nodeId: 'a', weight: 0 })).toThrow('weight of node a must be a positive number');
    const server = createServer({ nodeId: 'a' });
    // @ts-expect-error: not a method of Echo
    expect(() => server.add(Echo, { nope: async () => ({}) })).toThrow(
      'handler nope is not a method of test.echo.Echo',
    );
    await expect(server.listen('127.0.0.1:99999')).rejects.toThrow('node a cannot listen on 127.0.0.1:99999');
  });

  it('rejects an advertise address other hosts could not dial, naming the node and the value', () => {
    const advertise = (value: string) => () => createServer({ nodeId: 'a', advertise: value });
    expect(advertise('')).toThrow('advertise of node a is "": the host is missing');
    expect(advertise(':50051')).toThrow('advertise of node a is ":50051": the host is missing');
    expect(advertise('::1')).toThrow('advertise of node a is "::1": put an IPv6 address in brackets');
    expect(advertise('node-a:80:1')).toThrow(`advertise of node a is "node-a:80:1": more than one ':'`);
    expect(advertise('http://node-a')).toThrow(
      'advertise of node a is "http://node-a": expected a host or host:port, without a scheme',
    );
    const notHost = 'expected a host name, an IPv4 address or a bracketed IPv6 address';
    for (const value of ['node a', 'a..b', '999.1.1.1', '[1.2.3.4]:80', '[1]', '-a']) {
      expect(advertise(value)).toThrow(`advertise of node a is ${JSON.stringify(value)}: ${notHost}`);
    }
    expect(advertise('node-a:0')).toThrow(
      new RangeError('createServer: advertise of node a is "node-a:0": the port must be 1-65535'),
    );
    expect(advertise('node-a:70000')).toThrow('the port must be 1-65535');
    expect(advertise('node-a:')).toThrow('the port must be 1-65535');
    for (const wildcard of ['0.0.0.0', '[::]:50051', '[::0]', '[0:0::0]']) {
      expect(advertise(wildcard)).toThrow(
        `advertise of node a is ${JSON.stringify(wildcard)}: a wildcard address is not one other hosts can dial`,
      );
    }
    const good = [
      'node-a',
      'Node-A.svc.cluster.local:50051',
      'node-a.example.',
      'web_1',
      '10.0.0.7',
      '[::1]',
      '[fd00::7]:50051',
      '[fe80::1%eth0]:50051',
    ];
    for (const value of good) expect(advertise(value)).not.toThrow();
  });
});
