import { describe, expect, it } from 'vitest';
import { type ClientInterceptor, RpcError, type ServerInterceptor, Status } from 'switchboard';
import { useEchoCluster } from './helpers/echo-cluster.js';

describe('interceptors', () => {
  const cluster = useEchoCluster();

  it(
    'server interceptors run in order around every kind of handler, ' + 'see results and errors, and may refuse a call',
    async () => {
      const log: string[] = [];
      const outer: ServerInterceptor = async ({ method }, next) => {
        log.push(`outer> ${method.name}`);
        try {
          const result = await next();
          log.push(`outer< ${method.name} ${JSON.stringify(result ?? null)}`);
          return result;
        } catch (error) {
          log.push(`outer! ${method.name} ${(error as RpcError).code}`);
          throw error;
        }
      };
      const auth: ServerInterceptor = async ({ ctx }, next) => {
        if (ctx.metadata.get('authorization')[0] !== 'Bearer good')
          throw new RpcError(Status.UNAUTHENTICATED, 'missing or bad token');
        return next();
      };
      await cluster.startNode('n', { interceptors: [outer, auth] });
      const client = cluster.client();
      const good = { metadata: { authorization: 'Bearer good' } };

      await expect(client.unary({ text: 'a' }, good)).resolves.toMatchObject({ text: 'a' });
      const refused = (await client.unary({ text: 'b' }).catch((e: unknown) => e)) as RpcError;
      expect(refused.code).toBe(Status.UNAUTHENTICATED);
      expect(refused.details).toBe('missing or bad token');
      const streamed: number[] = [];
      for await (const reply of client.serverStream({ text: 's', count: 2 }, good)) streamed.push(reply.index);
      expect(streamed).toEqual([0, 1]);

      expect(log).toEqual([
        'outer> Unary',
        'outer< Unary {"text":"a","nodeId":"n"}',
        'outer> Unary',
        `outer! Unary ${Status.UNAUTHENTICATED}`,
        'outer> ServerStream',
        'outer< ServerStream null',
      ]);
    },
  );

  it('trailers a server interceptor sets reach the caller', async () => {
    const tag: ServerInterceptor = async ({ ctx }, next) => {
      try {
        return await next();
      } finally {
        ctx.trailer.set('x-handled-by', 'interceptor');
      }
    };
    await cluster.startNode('n', { interceptors: [tag] });
    const client = cluster.client();
    const error = (await client.unary({ text: 'x', failCode: Status.NOT_FOUND }).catch((e: unknown) => e)) as RpcError;
    expect(error.metadata.get('x-handled-by')).toEqual(['interceptor']);
  });

  it('client interceptors add metadata, observe errors, wrap streams, and may answer without the network', async () => {
    await cluster.startNode('n');
    const log: string[] = [];
    const user: ClientInterceptor = async (call, next) => {
      call.metadata.set('x-user', 'ada');
      return next();
    };
    const observe: ClientInterceptor = async ({ method }, next) => {
      try {
        const result = await next();
        log.push(`ok ${method.name}`);
        return result;
      } catch (error) {
        log.push(`failed ${method.name} ${(error as RpcError).code}`);
        throw error;
      }
    };
    const cache: ClientInterceptor = async ({ method, options }, next) =>
      method.name === 'Unary' && options.key === 'cached' ? { text: 'from cache', nodeId: '', index: 0 } : next();
    const client = cluster.client({ interceptors: [observe, user, cache] });

    expect((await client.unary({ text: 'hi' })).text).toBe('hi for ada');
    await expect(client.unary({ text: 'x', failCode: Status.ABORTED })).rejects.toMatchObject({ code: Status.ABORTED });
    expect(await client.unary({ text: 'ignored' }, { key: 'cached' })).toEqual({
      text: 'from cache',
      nodeId: '',
      index: 0,
    });
    const streamed: string[] = [];
    for await (const reply of client.bidi([{ text: 'p' }, { text: 'q' }])) streamed.push(reply.text);
    expect(streamed).toEqual(['P', 'Q']);
    for await (const reply of client.serverStream({ text: 'long', count: 100, delayMs: 2 })) {
      if (reply.index === 1) break;
    }
    expect(log).toEqual([
      'ok Unary',
      `failed Unary ${Status.ABORTED}`,
      'ok Unary',
      'ok Bidi',
      `failed ServerStream ${Status.CANCELLED}`,
    ]);
  });
});
