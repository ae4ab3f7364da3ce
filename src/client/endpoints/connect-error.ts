import type * as grpc from '@grpc/grpc-js';

/**
 * Why an endpoint cannot connect, in words a user can act on. grpc-js keeps the last
 * connection error of a channel to itself; the only public way to it is the status of a
 * call that fails fast on a channel in TRANSIENT_FAILURE ("No connection established. Last
 * error: ..."), so one such call (no wait for ready, never sent) is made per failure.
 */
export function probeConnectError(client: grpc.Client, path: string, done: (reason: string) => void): void {
  const serialize = (value: Buffer) => value;
  client.makeUnaryRequest(path, serialize, serialize, Buffer.alloc(0), (error) => {
    if (error) done(describeConnectError(error.details));
  });
}

/** The reason inside grpc-js' "No connection established" text; TLS failures said plainly. */
export function describeConnectError(details: string): string {
  const reason = (
    /Last error: (?:Error: )?([^\n]*?)(?:\s*\(\d{4}-[^)]*\))?\.?\s*(?:Resolution note:.*)?$/s.exec(details)?.[1] ??
    details
  ).trim();
  if (/alert certificate required/i.test(reason)) {
    return 'TLS handshake refused: the node requires a client certificate (set tls.cert and tls.key)';
  }
  if (/alert (bad certificate|unknown ca|certificate unknown|decrypt error)/i.test(reason)) {
    return `TLS handshake refused: the node did not accept the client certificate (${reason})`;
  }
  if (/certificate|self[- ]signed|unable to verify|Hostname\/IP|altnames|CERT_|SSL|TLS/i.test(reason)) {
    return `TLS verification failed: ${reason} (check tls.ca and tls.serverName)`;
  }
  return reason;
}
