import * as grpc from '@grpc/grpc-js';
import { type PemSource, readPem } from '../common/pem.js';

/** TLS of a server node (`createServer({ tls })`). Without it the node listens in plaintext. */
export interface ServerTlsOptions {
  /** The node's certificate chain (PEM). Its names (SAN) must match what clients dial or their `serverName`. */
  readonly cert: PemSource;
  /** The private key of `cert` (PEM). */
  readonly key: PemSource;
  /** CA certificates that client certificates must chain to (mTLS). */
  readonly ca?: PemSource;
  /** Refuse clients without a certificate signed by `ca` (mutual TLS); default false. */
  readonly requireClientCert?: boolean;
}

/** grpc-js server credentials: plaintext without `tls`; errors name the node and the option. */
export function serverCredentials(tls: ServerTlsOptions | undefined, nodeId: string): grpc.ServerCredentials {
  if (tls === undefined) return grpc.ServerCredentials.createInsecure();
  const where = `createServer(${nodeId}) tls`;
  if (tls.requireClientCert === true && tls.ca === undefined) {
    throw new TypeError(`${where}: requireClientCert needs ca (the CA that signs client certificates)`);
  }
  const ca = tls.ca === undefined ? null : readPem(tls.ca, `${where}.ca`);
  const pair = { cert_chain: readPem(tls.cert, `${where}.cert`), private_key: readPem(tls.key, `${where}.key`) };
  return grpc.ServerCredentials.createSsl(ca, [pair], tls.requireClientCert === true);
}
