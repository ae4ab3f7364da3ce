import * as grpc from '@grpc/grpc-js';
import { type PemSource, readPem } from '../../common/pem.js';

/** TLS of a client's connections (`createClient(Svc, { tls })`). Without it they are plaintext. */
export interface ClientTlsOptions {
  /** CA certificates the nodes' certificates must chain to (default: the system's roots). */
  readonly ca?: PemSource;
  /** The client's certificate chain, for nodes that require one (mTLS); needs `key`. */
  readonly cert?: PemSource;
  /** The private key of `cert`. */
  readonly key?: PemSource;
  /**
   * The name the nodes' certificates are checked against (and sent as SNI and authority)
   * instead of each endpoint's host, e.g. when dialling by IP a node whose certificate
   * names `node.internal`.
   */
  readonly serverName?: string;
}

/** grpc-js channel credentials: insecure without `tls`; errors name the option. */
export function channelCredentials(tls: ClientTlsOptions | undefined, where: string): grpc.ChannelCredentials {
  if (tls === undefined) return grpc.credentials.createInsecure();
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new TypeError(`${where}: tls.cert and tls.key go together (a client certificate needs its key)`);
  }
  return grpc.credentials.createSsl(
    tls.ca === undefined ? null : readPem(tls.ca, `${where} tls.ca`),
    tls.key === undefined ? null : readPem(tls.key, `${where} tls.key`),
    tls.cert === undefined ? null : readPem(tls.cert, `${where} tls.cert`),
  );
}

/** Channel options that make grpc-js check certificates against `serverName`. */
export function serverNameOptions(tls: ClientTlsOptions | undefined): grpc.ChannelOptions {
  const name = tls?.serverName;
  return name === undefined ? {} : { 'grpc.ssl_target_name_override': name, 'grpc.default_authority': name };
}
