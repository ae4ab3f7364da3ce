// Nodes from DNS, as grpc's `dns:` resolver: `dns:///host:port` resolves A/AAAA records
// (through the OS resolver, so /etc/hosts counts); `dns:///_grpc._tcp.name` (no port)
// resolves SRV records, then their targets. `dns://<server>/...` asks that DNS server.
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { Backoff } from './backoff.js';
import type { ResolvedEndpoint, Resolver } from './resolver.js';
import { numberAtLeast, positiveNumber } from '../common/option-checks.js';

/** Options of `dnsResolver`. */
export interface DnsResolverOptions {
  /** Re-resolves this often in ms (default 30000); after a failure it retries sooner (200 ms doubling to 2 s). */
  readonly intervalMs?: number;
  /**
   * When a client's connection to a node fails it asks for a new resolution
   * (`resolveNow`); this is the least time in ms between the start of one resolution and
   * the next that such a request brings (default 5000).
   */
  readonly minIntervalMs?: number;
}

interface Target {
  readonly host: string;
  /** Undefined for an SRV name. */
  readonly port: number | undefined;
  readonly server: string | undefined;
}

/** A resolver that follows the DNS records of `target` (`dns:///host:port` or `dns:///_srv._tcp.name`). */
export function dnsResolver(target: string, options: DnsResolverOptions = {}): Resolver {
  const parsed = parseTarget(target);
  const intervalMs = options.intervalMs ?? 30_000;
  positiveNumber(intervalMs, 'dnsResolver', 'intervalMs');
  const minIntervalMs = options.minIntervalMs ?? 5000;
  numberAtLeast(minIntervalMs, 0, 'dnsResolver', 'minIntervalMs');
  const resolver = parsed.server === undefined ? undefined : new dns.Resolver();
  resolver?.setServers([parsed.server!]);
  const lookup = (host: string) => addressesOf(host, resolver);
  const resolve =
    parsed.port === undefined
      ? () => resolveSrv(parsed.host, resolver, lookup)
      : () => resolveHost(parsed.host, parsed.port!, lookup);

  /** Each subscription's way to resolve again soon. */
  const subscriptions = new Set<() => void>();
  return {
    source: target,
    subscribe(_service, onChange, onError) {
      const backoff = new Backoff();
      let last: string | undefined;
      let timer: NodeJS.Timeout | undefined;
      /** When the scheduled round runs, and when the last one started (ms, performance.now()). */
      let dueAt = 0;
      let startedAt = Number.NEGATIVE_INFINITY;
      let running = false;
      /** A `resolveNow` came while a round ran: that round may have asked before the change. */
      let askedMeanwhile = false;
      let stopped = false;
      const schedule = (delay: number) => {
        clearTimeout(timer);
        dueAt = performance.now() + delay;
        timer = setTimeout(round, delay);
      };
      /** The soonest a requested round may start. */
      const earliest = () => Math.max(startedAt + minIntervalMs, performance.now());
      const round = async () => {
        running = true;
        askedMeanwhile = false;
        startedAt = performance.now();
        let delay = intervalMs;
        try {
          const list = await resolve();
          const seen = JSON.stringify(list);
          // An empty answer is a failure to us: a name without records keeps the last list.
          if (list.length === 0) throw new Error(`${target}: no records`);
          if (!stopped && (seen !== last || backoff.failing)) onChange(list);
          last = seen;
          backoff.reset();
        } catch (error) {
          if (!stopped) onError?.(error instanceof Error ? error : new Error(String(error)));
          delay = backoff.delay();
        }
        running = false;
        if (stopped) return;
        schedule(askedMeanwhile ? Math.min(delay, earliest() - performance.now()) : delay);
      };
      const soon = () => {
        if (stopped) return;
        if (running) {
          askedMeanwhile = true;
          return;
        }
        const at = earliest();
        if (at < dueAt) schedule(at - performance.now());
      };
      subscriptions.add(soon);
      void round();
      return () => {
        stopped = true;
        subscriptions.delete(soon);
        clearTimeout(timer);
      };
    },
    resolveNow() {
      for (const soon of subscriptions) soon();
    },
  };
}

function parseTarget(target: string): Target {
  const match = /^dns:\/\/([^/]*)\/(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+)(?::(\d{1,5}))?$/.exec(target);
  const port = match?.[3] === undefined ? undefined : Number(match[3]);
  if (match === null || (port !== undefined && (port < 1 || port > 65535))) {
    throw new TypeError(
      `dnsResolver: invalid target ${JSON.stringify(target)}, ` +
        'expected "dns:///host:port" or "dns:///_service._tcp.name"',
    );
  }
  return { host: match[2]!.replace(/^\[|\]$/g, ''), port, server: match[1] === '' ? undefined : match[1] };
}

async function resolveHost(
  host: string,
  port: number,
  lookup: (host: string) => Promise<string[]>,
): Promise<ResolvedEndpoint[]> {
  return (await lookup(host)).map((ip) => ({ address: hostPort(ip, port) }));
}

/** The SRV records of the best (lowest) priority, each target's addresses with the record's weight. */
async function resolveSrv(
  name: string,
  resolver: dns.Resolver | undefined,
  lookup: (host: string) => Promise<string[]>,
): Promise<ResolvedEndpoint[]> {
  const records = await (resolver ?? dns).resolveSrv(name);
  const best = Math.min(...records.map((record) => record.priority));
  const endpoints: ResolvedEndpoint[] = [];
  for (const record of records.filter((r) => r.priority === best)) {
    for (const ip of await lookup(record.name)) {
      endpoints.push({ address: hostPort(ip, record.port), ...(record.weight > 0 ? { weight: record.weight } : {}) });
    }
  }
  return endpoints.sort((a, b) => a.address.localeCompare(b.address));
}

/** A/AAAA addresses: the OS resolver (getaddrinfo) by default, the given DNS server otherwise. */
async function addressesOf(host: string, resolver: dns.Resolver | undefined): Promise<string[]> {
  if (isIP(host) !== 0) return [host];
  if (resolver === undefined) return (await dns.lookup(host, { all: true })).map((entry) => entry.address).sort();
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
  const found = [v4, v6].flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
  if (found.length === 0 && v4.status === 'rejected') throw v4.reason;
  return found.sort();
}

function hostPort(ip: string, port: number): string {
  return isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}
