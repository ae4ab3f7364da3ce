/**
 * A seedable source of uniform numbers in [0, 1), for balancers (random start offsets,
 * power-of-d sampling) and for tests that must replay the same picks.
 *
 * The generator is mulberry32 (Tommy Ettinger, public domain): 32 bits of state, one
 * multiply-xorshift round per number, period 2^32. It is fast and well distributed for
 * load balancing; it is not a cryptographic generator.
 */

/**
 * Returns a generator of uniform numbers in [0, 1) fully determined by `seed`.
 *
 * @param seed - any number; it is reduced to 32 bits, so seeds equal modulo 2^32 give the
 *   same sequence.
 * @returns a function that yields the next number of the sequence on every call.
 *
 * @example
 * ```ts
 * const random = seededRandom(42);
 * const balancer = balancers.leastLoad({ random });
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
