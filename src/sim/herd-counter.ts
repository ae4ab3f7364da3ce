/**
 * Herding, measured: how many distinct clients send to one node within one short window
 * (HERD_WINDOW_MS). Clients that act on the same view — the same stale report saying a
 * node is idle — pile onto it together; clients that act on their own view spread out.
 * The counter keeps, per node, the current window and the clients seen in it, and a
 * histogram of the count over every (node, window) pair of the measurement, empty windows
 * included, so its tail (p99.9, max) compares balancers at equal load.
 */

/** Width of a herding window, ms. */
export const HERD_WINDOW_MS = 10;

/** Herding figures of one run. */
export interface Herding {
  /** The most distinct clients one node received calls from within one window. */
  readonly max: number;
  /** 99.9th percentile of distinct clients per node and window. */
  readonly p999: number;
  /** Mean distinct clients per node and window. */
  readonly mean: number;
}

/** Something a client sends through: it remembers the last window it was counted in. */
export interface HerdMember {
  herdWindow: number;
}

/** Distinct clients per node and window (see the file's opening comment). */
export class HerdCounter {
  readonly #window: Float64Array;
  readonly #distinct: Int32Array;
  /** `histogram[k]`: (node, window) pairs with k distinct clients, k ≥ 1. */
  #histogram = new Float64Array(64);

  constructor(nodes: number) {
    this.#window = new Float64Array(nodes).fill(-1);
    this.#distinct = new Int32Array(nodes);
  }

  /** A call from `member` arrives at node `node` at `now`. */
  arrival(node: number, member: HerdMember, now: number): void {
    const w = Math.floor(now / HERD_WINDOW_MS);
    if (this.#window[node] !== w) {
      this.#flush(node);
      this.#window[node] = w;
    }
    if (member.herdWindow !== w) {
      member.herdWindow = w;
      this.#distinct[node]!++;
    }
  }

  /** The figures over `nodes × durationMs` of measurement. */
  result(durationMs: number): Herding {
    for (let node = 0; node < this.#distinct.length; node++) this.#flush(node);
    const h = this.#histogram;
    const pairs = this.#distinct.length * Math.max(1, Math.ceil(durationMs / HERD_WINDOW_MS));
    let seen = 0;
    let sum = 0;
    let max = 0;
    for (let k = 1; k < h.length; k++) {
      seen += h[k]!;
      sum += k * h[k]!;
      if (h[k]! > 0) max = k;
    }
    const total = Math.max(pairs, seen);
    let p999 = 0;
    for (let k = 1, below = total - seen; k < h.length && below < 0.999 * total; k++) {
      below += h[k]!;
      p999 = k;
    }
    return { max, p999, mean: sum / total };
  }

  #flush(node: number): void {
    const k = this.#distinct[node]!;
    if (k === 0) return;
    if (k >= this.#histogram.length) {
      const grown = new Float64Array(Math.max(k + 1, this.#histogram.length * 2));
      grown.set(this.#histogram);
      this.#histogram = grown;
    }
    this.#histogram[k]!++;
    this.#distinct[node] = 0;
  }
}
