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

/**
 * Index of the first endpoint at or after `start` (wrapping around) that the call has not
 * tried; `start` when every endpoint was tried. At most `tried.length + 1` steps when
 * an untried endpoint exists, since only tried ones are stepped over.
 */
export function firstUntried(endpoints: readonly Endpoint[], start: number, tried: readonly Endpoint[]): number {
  const n = endpoints.length;
  if (tried.length === 0) return start;
  for (let step = 0; step < n; step++) {
    const j = start + step < n ? start + step : start + step - n;
    if (!wasTried(tried, endpoints[j]!)) return j;
  }
  return start;
}
