// Follows a resolver: turns each full list it delivers into the client's endpoint set.
import type { ResolvedEndpoint, Resolver, Unsubscribe } from '../../discovery/resolver.js';
import type { DiscoveryStats } from '../api/client-stats.js';
import type { ClientEndpoint } from './client-endpoint.js';
import type { EndpointSet } from './endpoint-set.js';

const DRAIN_POLL_MS = 100;

/**
 * Reconciles the endpoint set with each list from the resolver, keyed by address: a new
 * address is connected and added; an address still listed keeps its connection and stats
 * (changed attributes are applied and the balancer updated); a removed one is drained — no
 * new picks, its calls in flight finish, then its channel closes. Nothing of this runs on
 * the pick path: the balancer only ever sees a new array through `update`.
 */
export class Membership {
  private readonly draining = new Map<string, ClientEndpoint>();
  private drainTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: Unsubscribe;
  private healthy = true;
  private lastError: string | undefined;
  private lastUpdate: number | undefined;

  constructor(
    private readonly resolver: Resolver,
    service: string,
    private readonly set: EndpointSet,
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
    const current = new Map(this.set.endpoints.map((endpoint) => [endpoint.address, endpoint]));
    const next: ClientEndpoint[] = [];
    const seen = new Set<string>();
    for (const config of list) {
      if (seen.has(config.address)) continue;
      seen.add(config.address);
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
      if (endpoint.inFlight > 0) continue;
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
