/**
 * Peak-sensitive EWMA of call latency, the estimate `leastLoad()` weighs endpoints by
 * (Finagle `PeakEwma`, Linkerd, tower `load::PeakEwma`).
 *
 * A sample above the current estimate replaces it at once, so a node that slows down is
 * shed immediately; a sample below it is blended in with weight `1 - w`,
 * `w = exp(-Δt / τ)`, `Δt` the time since the previous sample, so recovery is gradual and
 * independent of the call rate. Reading decays the estimate toward 0 with the time since
 * the last sample (`value = estimate · exp(-Δt / τ)`): a node that stopped receiving calls
 * because it looked slow looks cheaper and cheaper until it is probed again. τ is the
 * client option `latencyDecayMs` (default 1 s): shorter follows a recovering node sooner,
 * longer remembers a slow spell longer.
 */
export class PeakEwma {
  /** The estimate as of the last sample, in ms (0 before any sample). */
  #estimate = 0;
  /** When the last sample was observed, on the `now` clock. */
  #stamp = 0;
  readonly #tauMs: number;
  readonly #now: () => number;

  /**
   * @param tauMs - decay time constant τ in ms: after τ without samples the estimate has
   *   fallen to 1/e of its value.
   * @param now - the clock in ms (injected in tests).
   */
  constructor(tauMs = 1000, now: () => number = () => performance.now()) {
    if (!(tauMs > 0)) throw new RangeError(`PeakEwma: tauMs must be > 0, got ${tauMs}`);
    this.#tauMs = tauMs;
    this.#now = now;
  }

  /** Records the latency of a call that just ended, in ms. */
  observe(latencyMs: number): void {
    const t = this.#now();
    const w = Math.exp(-Math.max(0, t - this.#stamp) / this.#tauMs);
    this.#estimate =
      latencyMs > this.#estimate * w ? latencyMs : this.#estimate * w + latencyMs * (1 - w);
    this.#stamp = t;
  }

  /** The estimate in ms, decayed to now; 0 before the first sample. */
  get value(): number {
    if (this.#estimate === 0) return 0;
    return this.#estimate * Math.exp(-Math.max(0, this.#now() - this.#stamp) / this.#tauMs);
  }
}
