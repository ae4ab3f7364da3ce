import { isIP } from 'node:net';

/** A parsed `host:port`. */
interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `host:port` (IPv6 in brackets: `[::1]:50051`); throws an error that names the
 * address and `where` it came from.
 */
export function parseAddress(address: unknown, where: string): HostPort {
  const match = typeof address === 'string' ? /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/.exec(address) : null;
  const port = match ? Number(match[2]) : Number.NaN;
  if (!match || port < 1 || port > 65535) {
    throw new TypeError(
      `${where}: invalid address ${JSON.stringify(address)}, expected "host:port" with a port 1-65535`,
    );
  }
  return { host: match[1]!, port };
}

/**
 * The grpc-js target for one `host:port`: `ipv4:` / `ipv6:` for an IP literal, so that the
 * channel needs no resolver of its own (with a bare address grpc-js gives every channel a DNS
 * resolver object and its backoff timer), the address itself for a name.
 */
export function channelTarget(address: string): string {
  const bracketed = /^\[([0-9a-fA-F:.]+)\]:\d+$/.exec(address);
  if (bracketed !== null) return isIP(bracketed[1]!) === 6 ? `ipv6:${address}` : address;
  const host = address.slice(0, address.lastIndexOf(':'));
  return isIP(host) === 4 ? `ipv4:${address}` : address;
}
