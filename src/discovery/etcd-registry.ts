// Membership in etcd: nodes register `/<prefix>/<service>/<nodeId>` under a
// lease; clients list and watch the service's prefix. One object serves both sides.
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import { registerNode } from './etcd-registration.js';
import { parseMember, watchMembers } from './etcd-watch.js';
import type { Member, NodeRecord, Registration, Registry } from './registry.js';
import type { Resolver } from './resolver.js';
import { integerAtLeast } from '../common/option-checks.js';

/** Options of `etcdRegistry`. */
export interface EtcdRegistryOptions {
  /** etcd client endpoints, `host:port` (or `http://host:port`). */
  readonly hosts: string | readonly string[];
  /** Key prefix shared by a cluster (default `switchboard`). */
  readonly prefix?: string;
  /** Lease TTL of a node's registration in seconds (default 10): a node that dies leaves after this long. */
  readonly ttlS?: number;
  /** Deadline of each etcd request in ms (default 3000). */
  readonly timeoutMs?: number;
  /** Where registry events go (etcd lost and back, re-registration). Default: one line on stderr. */
  readonly log?: (message: string) => void;
}

/** A registry of nodes in etcd: a `Registry` for servers and a `Resolver` for clients. */
export interface EtcdRegistry extends Registry, Resolver {
  /** The live nodes of `service`, sorted by id: the cluster view. */
  members(service: string): Promise<Member[]>;
  /** Closes the etcd connection (registrations and subscriptions made through it stop). */
  close(): Promise<void>;
}

/** Creates an etcd registry; it connects on first use. */
export function etcdRegistry(options: EtcdRegistryOptions): EtcdRegistry {
  const hosts = typeof options?.hosts === 'string' ? [options.hosts] : [...(options?.hosts ?? [])];
  if (hosts.length === 0) throw new TypeError('etcdRegistry: hosts must name at least one etcd endpoint');
  const ttlS = options.ttlS ?? 10;
  integerAtLeast(ttlS, 1, 'etcdRegistry', 'ttlS');
  const prefix = `/${(options.prefix ?? 'switchboard').replace(/^\/+|\/+$/g, '')}/`;
  const timeoutMs = options.timeoutMs ?? 3000;
  const log = options.log ?? ((message: string) => console.warn(`[switchboard] etcd: ${message}`));
  const source = `etcd ${hosts.join(',')}${prefix.slice(0, -1)}`;

  let etcd: Etcd3 | undefined;
  const client = (): Etcd3 => {
    etcd ??= new Etcd3({
      hosts: hosts.map((host) => (host.includes('://') ? host : `http://${host}`)),
      dialTimeout: timeoutMs,
      // Our own loops retry with backoff; etcd3's circuit breaker would hold requests back
      // for seconds after etcd returns.
      faultHandling: { host: () => noop, global: noop },
      defaultCallOptions: (call) => (call.isStream ? {} : { deadline: Date.now() + timeoutMs }),
    });
    return etcd;
  };
  const servicePrefix = (service: string) => `${prefix}${service}/`;

  return {
    source,

    async register(node: NodeRecord): Promise<Registration> {
      if (node.nodeId.includes('/')) throw new TypeError(`etcdRegistry: node id ${node.nodeId} must not contain "/"`);
      const value = JSON.stringify({
        address: node.address,
        weight: node.weight,
        zone: node.zone,
        labels: node.labels,
        startedAt: new Date().toISOString(),
      });
      const keys = node.services.map((service) => `${servicePrefix(service)}${node.nodeId}`);
      return registerNode(client(), { nodeId: node.nodeId, keys, value }, ttlS, log);
    },

    subscribe(service, onChange, onError) {
      let healthy = true;
      return watchMembers(client(), {
        prefix: servicePrefix(service),
        onChange: (members) => {
          if (!healthy) log(`${service}: etcd is back, following membership again`);
          healthy = true;
          onChange(members);
        },
        onError: (error) => {
          if (healthy) log(`${service}: cannot reach etcd (${error.message}); keeping the last known nodes`);
          healthy = false;
          onError?.(error);
        },
      });
    },

    async members(service: string): Promise<Member[]> {
      const response = await client().getAll().prefix(servicePrefix(service)).exec();
      return response.kvs
        .map((kv) => parseMember(kv.key.toString(), kv.value.toString()))
        .filter((member): member is Member => member !== undefined)
        .sort((a, b) => a.id.localeCompare(b.id));
    },

    async close(): Promise<void> {
      etcd?.close();
      etcd = undefined;
    },
  };
}
