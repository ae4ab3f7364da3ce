/**
 * The address a node announces to its registry: where it listens, or what the
 * application says other hosts reach it at (`createServer({ advertise })`). A node that
 * listens on a wildcard address (`0.0.0.0`, `[::]`) cannot announce that: no other host can
 * dial it.
 */

const WILDCARD_HOSTS = new Set(['0.0.0.0', '[::]', '::', '[0:0:0:0:0:0:0:0]', '']);
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;
const BRACKETED_IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;

/** An `advertise` option taken apart: a host, and a port when it has one. */
export interface Advertised {
  readonly host: string;
  readonly port?: number;
}

/** Checks `advertise` (`host`, `host:port`, `[ipv6]` or `[ipv6]:port`); throws an error naming the node and the value. */
export function parseAdvertise(advertise: string, nodeId: string): Advertised {
  const bad = (why: string) => new TypeError(`createServer: advertise of node ${nodeId} is ${JSON.stringify(advertise)}: ${why}`);
  if (typeof advertise !== 'string') throw bad('expected a host or host:port string');
  const colon = advertise.lastIndexOf(':');
  if (advertise === '' || colon === 0) throw bad('the host is missing');
  if (advertise.includes('/')) throw bad('expected a host or host:port, without a scheme or path');
  const hasPort = colon > 0 && (advertise.startsWith('[') ? advertise[colon - 1] === ']' : advertise.indexOf(':') === colon);
  const host = hasPort ? advertise.slice(0, colon) : advertise;
  if (!hasPort && advertise.includes(':') && !advertise.startsWith('[')) throw bad('put an IPv6 address in brackets, e.g. [::1]:50051');
  if (!HOST_NAME.test(host) && !BRACKETED_IPV6.test(host)) throw bad('expected a host name, an IPv4 address or a bracketed IPv6 address, with an optional :port');
  if (WILDCARD_HOSTS.has(host)) throw bad('a wildcard address is not one other hosts can dial');
  if (!hasPort) return { host };
  const port = Number(advertise.slice(colon + 1));
  if (!/^\d+$/.test(advertise.slice(colon + 1)) || port < 1 || port > 65535) throw bad('the port must be 1-65535');
  return { host, port };
}

/** Throws, before a node binds, when it would announce a wildcard listen address (no `advertise`). */
export function checkAnnounceable(listenHost: string, advertised: Advertised | undefined, nodeId: string): void {
  if (advertised !== undefined || !WILDCARD_HOSTS.has(listenHost)) return;
  throw new Error(
    `node ${nodeId} cannot register ${listenHost || '*'}, the wildcard address it listens on: other hosts cannot dial it; set createServer({ advertise }) to the host (or host:port) to register`,
  );
}

/** The address to register for a node bound to `port` on `listenHost`: the advertised host (with its own port, else the bound one), else the listen address. */
export function announcedAddress(listenHost: string, port: number, advertised: Advertised | undefined): string {
  return advertised === undefined ? `${listenHost}:${port}` : `${advertised.host}:${advertised.port ?? port}`;
}
