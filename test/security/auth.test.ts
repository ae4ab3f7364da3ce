import { beforeAll, describe, expect, it } from 'vitest';
import { type AuthDecision, bearerAuth, bearerToken, Status } from 'switchboard';
import { useEchoCluster } from '../helpers/echo-cluster.js';
import type { EchoNode } from '../helpers/echo-nodes.js';
import { rejection } from '../helpers/rejection.js';

/** admin may call anything, reader only Unary; anything else is not a token. */
function verify(token: string, path: string): AuthDecision {
  if (token === 'admin-token') return 'allow';
  if (token === 'reader-token') return path === '/test.echo.Echo/Unary' ? 'allow' : 'deny';
  return 'invalid';
}

describe('bearer auth', () => {
  const cluster = useEchoCluster();
  let node: EchoNode;
  let apiKeyNode: EchoNode;

  beforeAll(async () => {
    node = await cluster.startNode('guarded', { interceptors: [bearerAuth({ verify })] });
    apiKeyNode = await cluster.startNode('keyed', {
      interceptors: [
        bearerAuth({ header: 'x-api-key', scheme: null, verify: async (key) => (key === 'k-1' ? 'allow' : 'invalid') }),
      ],
    });
  });

  it('UNAUTHENTICATED without credentials, naming what is expected', async () => {
    const client = cluster.client({ endpoints: [node.address] });
    const error = await rejection(client.unary({ text: 'x' }));
    expect(error.code).toBe(Status.UNAUTHENTICATED);
    expect(error.details).toBe(
      'missing credentials for /test.echo.Echo/Unary: expected metadata authorization: Bearer <token>',
    );
  });

  it('UNAUTHENTICATED with a token verify does not know', async () => {
    const client = cluster.client({ endpoints: [node.address], interceptors: [bearerToken('stolen')] });
    const error = await rejection(client.unary({ text: 'x' }));
    expect([error.code, error.details]).toEqual([
      Status.UNAUTHENTICATED,
      'invalid credentials for /test.echo.Echo/Unary',
    ]);
  });

  it('PERMISSION_DENIED for a method the token is not allowed; allowed methods work', async () => {
    const client = cluster.client({
      endpoints: [node.address],
      interceptors: [bearerToken(async () => 'reader-token')],
    });
    await expect(client.unary({ text: 'read' })).resolves.toMatchObject({ text: 'read', nodeId: 'guarded' });
    const error = await rejection(client.write({ text: 'write' }));
    expect([error.code, error.details]).toEqual([
      Status.PERMISSION_DENIED,
      'not allowed to call /test.echo.Echo/Write',
    ]);
    const stream = await rejection(
      (async () => {
        for await (const _ of client.serverStream({ text: 's', count: 2 })) return;
      })(),
    );
    expect(stream.code).toBe(Status.PERMISSION_DENIED);
  });

  it('per-call credentials override the client-wide ones', async () => {
    const client = cluster.client({ endpoints: [node.address], interceptors: [bearerToken('reader-token')] });
    await expect(
      client.write({ text: 'as admin' }, { metadata: { authorization: 'Bearer admin-token' } }),
    ).resolves.toMatchObject({
      text: 'as admin',
    });
    const plain = cluster.client({ endpoints: [node.address] });
    await expect(
      plain.write({ text: 'per call' }, { metadata: { authorization: 'Bearer admin-token' } }),
    ).resolves.toMatchObject({
      text: 'per call',
    });
  });

  it('an API key in its own header', async () => {
    const good = cluster.client({
      endpoints: [apiKeyNode.address],
      interceptors: [bearerToken('k-1', { header: 'x-api-key', scheme: null })],
    });
    await expect(good.unary({ text: 'keyed' })).resolves.toMatchObject({ nodeId: 'keyed' });
    const bad = cluster.client({
      endpoints: [apiKeyNode.address],
      interceptors: [bearerToken('k-2', { header: 'x-api-key', scheme: null })],
    });
    expect((await rejection(bad.unary({ text: 'x' }))).code).toBe(Status.UNAUTHENTICATED);
    const none = cluster.client({ endpoints: [apiKeyNode.address] });
    expect((await rejection(none.unary({ text: 'x' }))).details).toBe(
      'missing credentials for /test.echo.Echo/Unary: expected metadata x-api-key',
    );
  });
});
