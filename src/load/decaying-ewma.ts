/**
 * Time-decayed EWMAs of call latency, the estimates `leastLoad()` weighs endpoints by.
 *
 * A sample is blended in with weight `1 - w`, `w = exp(-Δt / t)`, `Δt` the time since the
 * previous sample, so the estimate moves at the same pace whatever the call rate; `t` is
 * `riseMs` for a sample above the estimate and `fallMs` for one below. Reading decays the
 * estimate toward 0 with the time since the last sample (`value = estimate · exp(-Δt / τ)`):
 * a node that stopped receiving calls because it looked slow looks cheaper and cheaper
 * until it is probed again. τ is the client option `latencyDecayMs` (default 1 s).
 *
 * Two shapes:
 * - {@link peakEwma} (rise 0, fall τ): a sample above the estimate replaces it at once,
 *   recovery is gradual (Finagle `PeakEwma`, Linkerd, tower `load::PeakEwma`). The
 *   endpoint's latency estimate (`ewmaLatencyMs`): the slowest a node has recently been.
 * - {@link floorEwma} (rise τ × 0.3, fall τ × 0.03): follows drops within tens of ms and
 *   rises within a few hundred, so it tracks the floor of noisy samples. The estimate of a
 *   node's time per queued call (`serviceTimeMs`): its samples (latency ÷ queue joined)
 *   can only overshoot the true figure — a pause of the client's event loop, a stale queue
 *   count — and a peak estimate would keep each overshoot for a second and starve a fast
 *   node. A node that truly turns slow raises every sample and the floor within τ × 0.3,
 *   while the calls piling up on it raise its cost at once.
 */
export class DecayingEwma {
  /** The estimate as of the last sample, in ms (0 before any sample). */
  #estimate = 0;
  /** When the last sample was observed, on the `now` clock. */
  #stamp = 0;
  readonly #tauMs: number;
  readonly #riseMs: number;
  readonly #fallMs: number;
  readonly #now: () => number;

  /**
   * @param tauMs - decay time constant τ in ms: after τ without samples the estimate has
   *   fallen to 1/e of its value.
   * @param riseMs - time constant for samples above the estimate (0: jump to them).
   * @param fallMs - time constant for samples below it.
   * @param now - the clock in ms (injected in tests).
   */
  constructor(tauMs: number, riseMs: number, fallMs: number, now: () => number = () => performance.now()) {
    if (!(tauMs > 0)) throw new RangeError(`DecayingEwma: tauMs must be > 0, got ${tauMs}`);
    if (!(riseMs >= 0 && fallMs >= 0)) {
      throw new RangeError(`DecayingEwma: riseMs and fallMs must be >= 0, got ${riseMs}, ${fallMs}`);
    }
    this.#tauMs = tauMs;
    this.#riseMs = riseMs;
    this.#fallMs = fallMs;
    this.#now = now;
  }

  /** Records the latency of a call that just ended at `t` (on the `now` clock; read when not given), in ms. */
  observe(latencyMs: number, t = this.#now()): void {
    const dt = Math.max(0, t - this.#stamp);
    const rising = latencyMs > this.#estimate * Math.exp(-dt / this.#tauMs);
    const timeMs = rising ? this.#riseMs : this.#fallMs;
    const w = this.#estimate === 0 || timeMs === 0 ? 0 : Math.exp(-dt / timeMs);
    const blended = this.#estimate * w + latencyMs * (1 - w);
    // A sample above what a read shows now, but below the stored estimate (after a pause),
    // must not leave the estimate above the sample itself.
    this.#estimate = rising ? Math.min(latencyMs, blended) : blended;
    this.#stamp = t;
  }

  /** The estimate in ms, decayed to now; 0 before the first sample. */
  get value(): number {
    if (this.#estimate === 0) return 0;
    return this.#estimate * Math.exp(-Math.max(0, this.#now() - this.#stamp) / this.#tauMs);
  }
}

/** Peak-sensitive: jumps to a higher sample, falls with τ. */
export function peakEwma(tauMs = 1000, now?: () => number): DecayingEwma {
  return new DecayingEwma(tauMs, 0, tauMs, now);
}

/** Floor-tracking: falls within τ × 0.03, rises within τ × 0.3. */
export function floorEwma(tauMs = 1000, now?: () => number): DecayingEwma {
  return new DecayingEwma(tauMs, tauMs * 0.3, tauMs * 0.03, now);
}
