// Follows a resolver: turns each full list it delivers (or the client's subset of it) into the client's endpoint set.
import type { ResolvedEndpoint, Resolver, Unsubscribe } from '../../discovery/resolver.js';
import type { DiscoveryStats } from '../api/client-stats.js';
import type { ClientEndpoint } from './client-endpoint.js';
import type { EndpointSet } from './endpoint-set.js';
import type { SubsetChoice } from './subset.js';

const DRAIN_POLL_MS = 100;

/**
 * Reconciles the endpoint set with each list from the resolver, keyed by address: a new
 * address is connected and added; an address still listed keeps its connection and stats
 * (changed attributes are applied and the balancer updated); a removed one is drained — no
 * new picks, its calls in flight finish, then its channel closes. Nothing of this runs on
 * the pick path: the balancer only ever sees a new array through `update`. With a subset,
 * each list is cut to the subset first, here where every resolver's list enters the
 * client, so that it works the same for every resolver and balancer.
 */
export class Membership {
  private readonly draining = new Map<string, ClientEndpoint>();
  private drainTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: Unsubscribe;
  private healthy = true;
  private lastError: string | undefined;
  private lastUpdate: number | undefined;
  private candidates = 0;
  private members: readonly string[] = [];

  constructor(
    private readonly resolver: Resolver,
    service: string,
    private readonly set: EndpointSet,
    private readonly subset: SubsetChoice | undefined,
  ) {
    this.unsubscribe = resolver.subscribe(
      service,
      (endpoints) => this.apply(endpoints),
      (error) => {
        this.healthy = false;
        this.lastError = error.message;
      },
    );
  }

  stats(): DiscoveryStats {
    return {
      source: this.resolver.source,
      healthy: this.healthy,
      lastError: this.lastError,
      lastUpdate: this.lastUpdate === undefined ? undefined : new Date(this.lastUpdate).toISOString(),
      subset:
        this.subset === undefined
          ? undefined
          : {
              size: this.subset.size,
              strategy: this.subset.strategy,
              client: this.subset.client,
              candidates: this.candidates,
              members: this.members,
            },
    };
  }

  /** Asks the resolver for a fresh list (a connection failed); a resolver that throws is noted in stats. */
  resolveNow(): void {
    try {
      this.resolver.resolveNow?.();
    } catch (error) {
      this.healthy = false;
      this.lastError = `resolveNow failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  close(): void {
    this.unsubscribe();
    clearInterval(this.drainTimer);
    for (const endpoint of this.draining.values()) endpoint.close();
    this.draining.clear();
  }

  private apply(list: readonly ResolvedEndpoint[]): void {
    this.healthy = true;
    this.lastUpdate = Date.now();
    const byAddress = new Map<string, ResolvedEndpoint>();
    for (const config of list) if (!byAddress.has(config.address)) byAddress.set(config.address, config);
    const addresses = [...byAddress.keys()];
    this.candidates = addresses.length;
    this.members = this.subset === undefined ? addresses : this.subset.select(addresses);
    const current = new Map(this.set.endpoints.map((endpoint) => [endpoint.address, endpoint]));
    const next: ClientEndpoint[] = [];
    for (const address of this.members) {
      const config = byAddress.get(address)!;
      const kept = current.get(config.address) ?? this.draining.get(config.address);
      if (kept === undefined) {
        next.push(this.set.connect(config));
        continue;
      }
      kept.reconfigure(config);
      current.delete(config.address);
      this.draining.delete(config.address);
      next.push(kept);
    }
    for (const removed of current.values()) this.draining.set(removed.address, removed);
    this.set.replace(next);
    this.closeDrained();
  }

  /** Closes drained endpoints once their calls are done; checks again while any is busy. */
  private closeDrained(): void {
    for (const [address, endpoint] of this.draining) {
      if (endpoint.measured.inFlight > 0) continue;
      endpoint.close();
      this.draining.delete(address);
    }
    if (this.draining.size === 0) {
      clearInterval(this.drainTimer);
      this.drainTimer = undefined;
    } else if (this.drainTimer === undefined) {
      this.drainTimer = setInterval(() => this.closeDrained(), DRAIN_POLL_MS);
      this.drainTimer.unref();
    }
  }
}
