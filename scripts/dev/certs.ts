// Throwaway certificates (openssl) for the TLS tests and the security example.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Throwaway PEM files of a test: a CA, a server certificate for 127.0.0.1/localhost, a client certificate. */
export interface TestCerts {
  readonly dir: string;
  /** File paths. */
  readonly files: {
    readonly ca: string;
    readonly serverCert: string;
    readonly serverKey: string;
    readonly clientCert: string;
    readonly clientKey: string;
  };
  /** A second, unrelated CA (a client trusting it must reject the server). */
  readonly otherCa: Buffer;
  read(name: keyof TestCerts['files']): Buffer;
  remove(): void;
}

/** Generates the certificates with `openssl` (provided by test/setup/openssl.ts) into a fresh temporary directory. */
export function generateCerts(): TestCerts {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-certs-'));
  const at = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const selfSignedCa = (name: string) =>
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
    );
  const signed = (name: string, subject: string, extensions: string) => {
    writeFileSync(at(`${name}.ext`), extensions);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    );
  };
  selfSignedCa('ca');
  selfSignedCa('other-ca');
  signed('server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  signed('client', '/CN=test-client', 'extendedKeyUsage=clientAuth\n');
  const files = {
    ca: at('ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    clientCert: at('client.pem'),
    clientKey: at('client.key'),
  };
  return {
    dir,
    files,
    otherCa: readFileSync(at('other-ca.pem')),
    read: (name) => readFileSync(files[name]),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
