import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createServer, type Server, Status } from 'switchboard';
import { describeConnectError } from '../../src/client/endpoints/connect-error.js';
import { Echo } from '../gen/echo.js';
import { generateCerts, type TestCerts } from '../../scripts/dev/certs.js';
import { rejection } from '../helpers/rejection.js';
import { provided } from '../setup/provided.js';

const FAIL_FAST = { waitForReadyMs: 1500, healthCheck: false } as const;

async function tlsNode(certs: TestCerts, requireClientCert: boolean): Promise<{ server: Server; address: string }> {
  const server = createServer({
    nodeId: requireClientCert ? 'mtls-node' : 'tls-node',
    tls: { cert: certs.files.serverCert, key: certs.read('serverKey'), ca: certs.files.ca, requireClientCert },
  });
  server.add(Echo, {
    async unary(req) {
      return { text: `${req.text} via tls`, nodeId: server.nodeId };
    },
  });
  const { address } = await server.listen('127.0.0.1:0');
  return { server, address };
}

describe.skipIf(provided('openssl', 'TLS and mTLS tests') === undefined)('TLS and mTLS', () => {
  let certs: TestCerts;
  let tls: { server: Server; address: string };
  let mtls: { server: Server; address: string };

  beforeAll(async () => {
    certs = generateCerts();
    tls = await tlsNode(certs, false);
    mtls = await tlsNode(certs, true);
  });
  afterAll(async () => {
    await Promise.all([tls?.server.shutdown({ graceMs: 0 }), mtls?.server.shutdown({ graceMs: 0 })]);
    certs?.remove();
  });

  it('serves a call over TLS to a client that trusts the CA (file path and PEM buffer)', async () => {
    for (const ca of [certs.files.ca, certs.read('ca')]) {
      const client = createClient(Echo, { endpoints: [tls.address], tls: { ca } });
      await expect(client.unary({ text: 'hi' })).resolves.toMatchObject({ text: 'hi via tls', nodeId: 'tls-node' });
      await client.close();
    }
  });

  it('checks the certificate against serverName instead of the dialled host', async () => {
    const good = createClient(Echo, {
      endpoints: [tls.address],
      tls: { ca: certs.files.ca, serverName: 'localhost' },
      ...FAIL_FAST,
    });
    await expect(good.unary({ text: 'named' })).resolves.toMatchObject({ nodeId: 'tls-node' });
    await good.close();
    const wrong = createClient(Echo, {
      endpoints: [tls.address],
      tls: { ca: certs.files.ca, serverName: 'elsewhere.test' },
      ...FAIL_FAST,
    });
    const error = await rejection(wrong.unary({ text: 'x' }));
    expect(error.code).toBe(Status.UNAVAILABLE);
    expect(error.message).toContain(`${tls.address} failing (TLS verification failed`);
    await wrong.close();
  });

  it('fails a client without the CA with UNAVAILABLE naming the address and the TLS verification failure', async () => {
    const client = createClient(Echo, { endpoints: [tls.address], tls: { ca: certs.otherCa }, ...FAIL_FAST });
    const error = await rejection(client.unary({ text: 'x' }));
    expect(error.code).toBe(Status.UNAVAILABLE);
    expect(error.message).toContain(
      `no ready endpoint for test.echo.Echo (endpoints: ${tls.address} failing (TLS verification failed:`,
    );
    expect(error.message).toMatch(/self[- ]signed certificate/);
    await client.close();
  });

  it('mTLS: serves a client with a certificate, rejects one without', async () => {
    const withCert = createClient(Echo, {
      endpoints: [mtls.address],
      tls: { ca: certs.files.ca, cert: certs.files.clientCert, key: certs.files.clientKey },
    });
    await expect(withCert.unary({ text: 'me' })).resolves.toMatchObject({ nodeId: 'mtls-node' });
    await withCert.close();

    const without = createClient(Echo, { endpoints: [mtls.address], tls: { ca: certs.files.ca }, ...FAIL_FAST });
    const error = await rejection(without.unary({ text: 'x' }));
    expect(error.code).toBe(Status.UNAVAILABLE);
    expect(error.message).toContain(
      `${mtls.address} failing (TLS handshake refused: the node requires a client certificate`,
    );
    await without.close();
  });

  it('a plaintext client does not get through to a TLS node', async () => {
    const client = createClient(Echo, { endpoints: [tls.address], ...FAIL_FAST });
    const error = await rejection(client.unary({ text: 'x' }));
    expect(error.code).toBe(Status.UNAVAILABLE);
    expect(error.message).toContain(tls.address);
    await client.close();
  });
});

describe('TLS option errors', () => {
  it('names the option and the file that cannot be read', () => {
    expect(() =>
      createServer({ nodeId: 'n', tls: { cert: '/nonexistent/cert.pem', key: '/nonexistent/key.pem' } }),
    ).toThrow(/createServer\(n\) tls\.cert: cannot read \/nonexistent\/cert\.pem/);
    expect(() =>
      createServer({ nodeId: 'n', tls: { cert: Buffer.from('x'), key: Buffer.from('y'), requireClientCert: true } }),
    ).toThrow('requireClientCert needs ca');
    expect(() => createClient(Echo, { endpoints: ['127.0.0.1:1'], tls: { cert: Buffer.from('x') } })).toThrow(
      'createClient(test.echo.Echo): tls.cert and tls.key go together',
    );
  });

  it('turns grpc-js connection errors into plain reasons', () => {
    expect(describeConnectError('Error: self-signed certificate in certificate chain')).toBe(
      'TLS verification failed: self-signed certificate in certificate chain (check tls.ca and tls.serverName)',
    );
    expect(describeConnectError('Failed to connect (2026-01-01T00:00:00.000Z)')).toBe('Failed to connect');
  });
});
