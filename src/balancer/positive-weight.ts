import type { Endpoint } from './balancer.js';

/** The endpoint's weight, or 1 where it is not a positive finite number. */
export function positiveWeight(endpoint: Endpoint): number {
  const w = endpoint.weight;
  return w > 0 && Number.isFinite(w) ? w : 1;
}
