/**
 * Service-time draws around a mean, for the modelled nodes:
 *
 *   fixed        s = mean
 *   exponential  s = −mean · ln(1 − u)                      (M/M/c nodes)
 *   lognormal    s = mean · exp(σ·z − σ²/2), z ~ N(0, 1)      (a heavy right tail, mean kept)
 *
 * z comes from Box–Muller over two uniforms. Source: Law and Kelton, "Simulation Modeling
 * and Analysis" (3rd ed.), ch. 8 (generating random variates).
 */
import type { ServiceDistribution } from './scenario.js';

/** A draw of a service time with mean `mean` from `distribution`, with uniforms from `random`. */
export function drawServiceTime(
  distribution: ServiceDistribution,
  mean: number,
  sigma: number,
  random: () => number,
): number {
  if (distribution === 'fixed') return mean;
  if (distribution === 'exponential') return -mean * Math.log(1 - random());
  const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return mean * Math.exp(sigma * z - (sigma * sigma) / 2);
}
