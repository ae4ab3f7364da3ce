import { integerAtLeast, numberAtLeast, outOfRange, positiveNumber } from '../common/option-checks.js';

/**
 * An adaptive limit of calls in flight, set by the latency the calls see: the gradient of
 * the queue's standing delay against the no-load latency.
 *
 * Every `intervalMs` the limit is moved once, from the smallest latency of that interval
 * (`shortMin`, the standing queue: a burst raises some samples, a standing queue raises all
 * of them — CoDel's reading of a minimum) and the smallest latency seen at low concurrency
 * (`longMin`, the no-load latency):
 *
 *   gradient = clamp(tolerance · longMin / shortMin, 0.5, 1)
 *   limit ← limit · (1 − smoothing) + (limit · gradient + √limit) · smoothing
 *
 * so the limit grows by √limit per interval while the calls see at most `tolerance` times
 * the no-load latency, and falls by up to half (smoothed) when they see more. It is not
 * grown while the calls in flight stayed under half of it (the caller, not the node, set
 * the pace), and a call the node refused for overload or that ran out of time cuts it by
 * `backoff` at once. `longMin` would creep up under a standing queue that never drains,
 * so every `probeIntervalMs` the limit drops to `min` for one interval and `longMin` is
 * measured anew there (Envoy's adaptive concurrency filter re-measures its minRTT the same
 * way). Sources: Netflix concurrency-limits `Gradient2Limit` (the gradient and the √limit
 * headroom), Envoy `adaptive_concurrency` (the interval, the minRTT probe).
 */
export class AdaptiveLimit {
  readonly #options: Required<AdaptiveLimitOptions>;
  readonly #now: () => number;
  #limit: number;
  #longMinMs = Number.POSITIVE_INFINITY;
  #shortMinMs = Number.POSITIVE_INFINITY;
  #peakInFlight = 0;
  #intervalStart: number;
  #nextProbe: number;
  #probing = false;

  /**
   * @param where - who owns the limit, for option errors (`createClient(Echo)`).
   * @param options - the algorithm's settings; all optional.
   * @param now - the clock in ms (injected in tests and the simulator).
   */
  constructor(where: string, options: AdaptiveLimitOptions = {}, now: () => number = () => performance.now()) {
    this.#options = checkOptions(where, options);
    this.#now = now;
    this.#limit = this.#options.initial;
    this.#intervalStart = now();
    this.#nextProbe = this.#intervalStart + this.#options.probeIntervalMs;
  }

  /** Calls that may be in flight now (an integer, `min` to `max`). */
  get limit(): number {
    return this.#probing ? this.#options.min : Math.floor(this.#limit);
  }

  /** The no-load latency estimate in ms (`Infinity` before the first sample). */
  get noLoadLatencyMs(): number {
    return this.#longMinMs;
  }

  /**
   * One call ended normally after `latencyMs`, `inFlight` calls (itself included) in
   * flight when it started.
   */
  sample(latencyMs: number, inFlight: number): void {
    if (latencyMs < this.#shortMinMs) this.#shortMinMs = latencyMs;
    if (inFlight > this.#peakInFlight) this.#peakInFlight = inFlight;
    const now = this.#now();
    if (now - this.#intervalStart >= this.#options.intervalMs) this.#endInterval(now);
  }

  /** A call was refused for overload or ran out of its deadline: back off at once. */
  drop(): void {
    this.#limit = Math.max(this.#options.min, this.#limit * this.#options.backoff);
  }

  #endInterval(now: number): void {
    const shortMin = this.#shortMinMs;
    const { min, max, tolerance, smoothing } = this.#options;
    if (this.#probing) {
      this.#longMinMs = shortMin;
      this.#probing = false;
    } else if (shortMin < this.#longMinMs) {
      this.#longMinMs = shortMin;
    } else {
      const gradient = Math.max(0.5, Math.min(1, (tolerance * this.#longMinMs) / shortMin));
      const appLimited = this.#peakInFlight < this.#limit / 2;
      if (!(appLimited && gradient === 1)) {
        const target = this.#limit * gradient + Math.sqrt(this.#limit);
        this.#limit = Math.min(max, Math.max(min, this.#limit * (1 - smoothing) + target * smoothing));
      }
    }
    if (now >= this.#nextProbe) {
      this.#probing = true;
      this.#nextProbe = now + this.#options.probeIntervalMs;
    }
    this.#shortMinMs = Number.POSITIVE_INFINITY;
    this.#peakInFlight = 0;
    this.#intervalStart = now;
  }
}

/** Settings of an {@link AdaptiveLimit}; every one has a default. */
export interface AdaptiveLimitOptions {
  /** The limit before any latency was measured (default 20, or the nearest of `min` and `max`). */
  readonly initial?: number;
  /** The lowest the limit goes (default 2: one call served while the next travels). */
  readonly min?: number;
  /** The highest the limit goes (default 1,000). */
  readonly max?: number;
  /** How many times the no-load latency the calls may see before the limit falls (default 2). */
  readonly tolerance?: number;
  /** Share of the new target taken per interval, (0, 1] (default 0.5). */
  readonly smoothing?: number;
  /** The limit is moved once per interval of this many ms (default 100). */
  readonly intervalMs?: number;
  /** Every this many ms the no-load latency is measured anew at `min` for one interval (default 30,000). */
  readonly probeIntervalMs?: number;
  /** Factor applied at once on a call refused for overload or out of time, (0, 1) (default 0.9). */
  readonly backoff?: number;
}

const DEFAULTS: Required<AdaptiveLimitOptions> = {
  initial: 20,
  min: 2,
  max: 1000,
  tolerance: 2,
  smoothing: 0.5,
  intervalMs: 100,
  probeIntervalMs: 30_000,
  backoff: 0.9,
};

function checkOptions(where: string, options: AdaptiveLimitOptions): Required<AdaptiveLimitOptions> {
  const o = { ...DEFAULTS, ...options };
  // A min or max alone moves the default initial inside them, rather than failing on it.
  if (options.initial === undefined) o.initial = Math.min(o.max, Math.max(o.min, DEFAULTS.initial));
  integerAtLeast(o.min, 1, where, 'concurrency limit min');
  integerAtLeast(o.max, o.min, where, 'concurrency limit max');
  integerAtLeast(o.initial, 1, where, 'concurrency limit initial');
  if (o.initial < o.min || o.initial > o.max) {
    throw outOfRange(where, 'concurrency limit initial', `between min ${o.min} and max ${o.max}`, o.initial);
  }
  numberAtLeast(o.tolerance, 1, where, 'concurrency limit tolerance');
  if (!(o.smoothing > 0 && o.smoothing <= 1)) {
    throw outOfRange(where, 'concurrency limit smoothing', 'in (0, 1]', o.smoothing);
  }
  if (!(o.backoff > 0 && o.backoff < 1)) throw outOfRange(where, 'concurrency limit backoff', 'in (0, 1)', o.backoff);
  positiveNumber(o.intervalMs, where, 'concurrency limit intervalMs');
  positiveNumber(o.probeIntervalMs, where, 'concurrency limit probeIntervalMs');
  return o;
}
