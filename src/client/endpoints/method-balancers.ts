import type { Balancer, PickContext } from '../../balancer/balancer.js';

/**
 * One balancer for the endpoint set that hands each call to its method's balancer (a map
 * lookup by path) and feeds every distinct balancer the same ready endpoints, so a
 * per-method balancer sees membership changes exactly like the client's default one.
 * Feedback (`onCallEnd`) does not pass through here: the client gives each balancer its own
 * call pipeline, which reports to it directly.
 */
export function methodBalancers(fallback: Balancer, byPath: ReadonlyMap<string, Balancer>): Balancer {
  if (byPath.size === 0) return fallback;
  const all = [...new Set([fallback, ...byPath.values()])];
  const names = [...byPath].map(([path, b]) => `${path.slice(path.lastIndexOf('/') + 1)}: ${b.name}`);
  return {
    name: `${fallback.name} (${names.join(', ')})`,
    update(endpoints) {
      for (const balancer of all) balancer.update(endpoints);
    },
    pick(call: PickContext) {
      return (byPath.get(call.path) ?? fallback).pick(call);
    },
  };
}
