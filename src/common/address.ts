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
