import type { Endpoint } from './balancer.js';

/**
 * Whether an earlier attempt of the call went to `endpoint`. Matched by node id as well as
 * by identity, so a retry avoids the node even if the endpoint set was rebuilt meanwhile.
 * `tried` holds a handful of entries at most (one per attempt), so a scan is the cheapest.
 */
export function wasTried(tried: readonly Endpoint[], endpoint: Endpoint): boolean {
  for (let i = 0; i < tried.length; i++) {
    const t = tried[i]!;
    if (t === endpoint || t.id === endpoint.id) return true;
  }
  return false;
}
