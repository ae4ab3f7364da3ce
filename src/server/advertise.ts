/**
 * The address a node announces to its registry: where it listens, or what the
 * application says other hosts reach it at (`createServer({ advertise })`). A node that
 * listens on a wildcard address (`0.0.0.0`, `[::]`) cannot announce that: no other host can
 * dial it.
 */
import { isIP } from 'node:net';

/** A DNS name: labels of letters, digits, `-` and `_` (as container names have), an optional final dot. */
const HOST_NAME = /^(?!-)[A-Za-z0-9_-]{1,63}(\.(?!-)[A-Za-z0-9_-]{1,63})*\.?$/;

/** An `advertise` option taken apart: a host (IPv6 in brackets), and a port when it has one. */
export interface Advertised {
  readonly host: string;
  readonly port?: number;
}

/** Whether `host` (an IP, IPv6 with or without brackets, or empty) is a wildcard address: all zeros. */
function isWildcardHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare === '' || (isIP(bare) !== 0 && /^[0:.]+$/.test(bare));
}

/**
 * Checks `advertise` (`host`, `host:port`, `[ipv6]` or `[ipv6]:port`); throws an error
 * naming the node and the value.
 */
export function parseAdvertise(advertise: string, nodeId: string): Advertised {
  const bad = (why: string, type: typeof TypeError = TypeError) =>
    new type(`createServer: advertise of node ${nodeId} is ${JSON.stringify(advertise)}: ${why}`);
  if (typeof advertise !== 'string') throw bad('expected a host or host:port string');
  if (advertise.includes('/')) throw bad('expected a host or host:port, without a scheme or path');
  const bracketed = /^(\[[^\]]*\])(?::(.*))?$/.exec(advertise);
  const [host, port] = bracketed === null ? splitHostPort(advertise) : [bracketed[1]!, bracketed[2]];
  if (host === undefined)
    throw bad(isIP(advertise) === 6 ? 'put an IPv6 address in brackets, e.g. [::1]:50051' : "more than one ':'");
  if (host === '') throw bad('the host is missing');
  if (host.startsWith('[') ? isIP(host.slice(1, -1)) !== 6 : !isHost(host)) {
    throw bad('expected a host name, an IPv4 address or a bracketed IPv6 address, with an optional :port');
  }
  if (isWildcardHost(host)) throw bad('a wildcard address is not one other hosts can dial');
  if (port === undefined) return { host };
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)
    throw bad('the port must be 1-65535', RangeError);
  return { host, port: Number(port) };
}

/** `host` and `port` of an unbracketed value; host undefined when it has more than one ':'. */
function splitHostPort(value: string): [string | undefined, string | undefined] {
  const parts = value.split(':');
  if (parts.length > 2) return [undefined, undefined];
  return [parts[0], parts[1]];
}

/** An IPv4 address or a DNS name that is not a malformed IPv4 address (`999.1.1.1`). */
function isHost(host: string): boolean {
  if (isIP(host) === 4) return true;
  return HOST_NAME.test(host) && !/^[\d.]+$/.test(host);
}

/** Throws, before a node binds, when it would announce a wildcard listen address (no `advertise`). */
export function checkAnnounceable(listenHost: string, advertised: Advertised | undefined, nodeId: string): void {
  if (advertised !== undefined || !isWildcardHost(listenHost)) return;
  throw new Error(
    `node ${nodeId} cannot register ${listenHost || '*'}, the wildcard address it listens on: ` +
      'other hosts cannot dial it; set createServer({ advertise }) to the host (or host:port) to register',
  );
}

/**
 * The address to register for a node bound to `port` on `listenHost`: the advertised host
 * (with its own port, else the bound one), else the listen address.
 */
export function announcedAddress(listenHost: string, port: number, advertised: Advertised | undefined): string {
  return advertised === undefined ? `${listenHost}:${port}` : `${advertised.host}:${advertised.port ?? port}`;
}
