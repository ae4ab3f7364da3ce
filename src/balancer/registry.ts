/**
 * The built-in balancers by name, for code (`balancers.leastLoad()`) and for
 * configuration (`createBalancer('leastLoad', { choices: 3 })`). Custom strategies are
 * added with `registerBalancer`; any object satisfying `Balancer` also works directly.
 * `zoneAware` and `route` compose other balancers, so they are made in code only.
 */
import type { Balancer } from './balancer.js';
import { consistentHash } from './consistent-hash.js';
import { leastLoad } from './least-load.js';
import { random } from './random.js';
import { roundRobin } from './round-robin.js';
import { route } from './route.js';
import { weighted } from './weighted.js';
import { zoneAware } from './zone-aware.js';

/** Options as configuration supplies them; each factory documents the keys it reads. */
export type BalancerOptions = Readonly<Record<string, unknown>>;

/** Builds a balancer from its options. */
export type BalancerFactory = (options?: BalancerOptions) => Balancer;

/** The built-in strategies: `balancers.roundRobin()`, `balancers.weighted()`, ... */
export const balancers = { roundRobin, weighted, leastLoad, random, consistentHash, zoneAware, route } as const;

const registry = new Map<string, BalancerFactory>(
  Object.entries({ roundRobin, weighted, leastLoad, random, consistentHash }),
);

/** Makes `factory` available to {@link createBalancer} under `name`. */
export function registerBalancer(name: string, factory: BalancerFactory): void {
  if (registry.has(name)) throw new Error(`balancer "${name}" is already registered`);
  registry.set(name, factory);
}

/** A new balancer of the strategy registered under `name`. */
export function createBalancer(name: string, options?: BalancerOptions): Balancer {
  const factory = registry.get(name);
  if (factory === undefined) {
    const known = [...registry.keys()].join(', ');
    throw new Error(`unknown balancer "${name}"; registered: ${known}`);
  }
  return factory(options);
}
