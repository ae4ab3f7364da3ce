/**
 * Why an endpoint cannot connect, in words a user can act on, from the error grpc-js gives
 * a subchannel's failed connection attempt ("Error: connect ECONNREFUSED ...", "Failed to
 * connect (<time>)"): without the "Error: " and the time; TLS failures said plainly.
 */
export function describeConnectError(error: string): string {
  const reason = (/^(?:Error: )?([^\n]*?)(?:\s*\(\d{4}-[^)]*\))?\.?$/s.exec(error.trim())?.[1] ?? error).trim();
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
