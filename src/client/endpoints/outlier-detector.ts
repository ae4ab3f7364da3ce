import { Status } from '../../common/status.js';

/** When a failing node is taken out of rotation. */
export interface OutlierDetectionOptions {
  /** Consecutive failures that eject a node (default 5). */
  readonly consecutiveFailures?: number;
  /** First ejection time, ms; the n-th ejection lasts n times this (default 5000). */
  readonly baseEjectionMs?: number;
  /** Longest ejection, ms (default 60 000). */
  readonly maxEjectionMs?: number;
  /** Largest share of the nodes ejected at once (default 0.5; one node may always be). */
  readonly maxEjectedShare?: number;
  /** Codes that count as the node's failure (default UNAVAILABLE, INTERNAL, DEADLINE_EXCEEDED). */
  readonly failureCodes?: readonly Status[];
}

/** What the detector needs of an endpoint. */
interface Ejectable {
  readonly id: string;
  ejected: boolean;
}

interface OutlierState {
  consecutive: number;
  timesEjected: number;
  returnedAt: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Consecutive-failure outlier ejection, as Envoy's `consecutive_5xx` and gRFC A50: a node
 * whose last `consecutiveFailures` attempts all failed with a node-attributable code leaves
 * the rotation for `baseEjectionMs × times ejected` (capped), then comes back on probation;
 * a node that stays healthy for `maxEjectionMs` after coming back starts over. At most
 * `maxEjectedShare` of the nodes are out at once (at least one may be), and the last
 * node standing is never ejected, so ejection never turns failures into "no endpoint".
 */
export class OutlierDetector {
  private readonly states = new Map<Ejectable, OutlierState>();
  private readonly threshold: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly maxShare: number;
  private readonly failureCodes: ReadonlySet<number>;
  private closed = false;

  constructor(
    options: OutlierDetectionOptions,
    private readonly population: () => number,
    private readonly onChange: (endpoint: Ejectable) => void,
  ) {
    this.threshold = options.consecutiveFailures ?? 5;
    this.baseMs = options.baseEjectionMs ?? 5000;
    this.maxMs = options.maxEjectionMs ?? 60_000;
    this.maxShare = options.maxEjectedShare ?? 0.5;
    this.failureCodes = new Set(
      options.failureCodes ?? [Status.UNAVAILABLE, Status.INTERNAL, Status.DEADLINE_EXCEEDED],
    );
    if (
      !(this.threshold >= 1 && this.baseMs > 0 && this.maxMs >= this.baseMs && this.maxShare >= 0 && this.maxShare <= 1)
    ) {
      throw new RangeError(`outlierDetection: invalid options ${JSON.stringify(options)}`);
    }
  }

  /** Feeds the outcome of one attempt on `endpoint`. */
  record(endpoint: Ejectable, code: number): void {
    if (code === Status.CANCELLED) return; // the caller's doing, not the node's
    const state = this.stateOf(endpoint);
    if (!this.failureCodes.has(code)) {
      state.consecutive = 0;
      if (state.timesEjected > 0 && !endpoint.ejected && performance.now() - state.returnedAt > this.maxMs) {
        state.timesEjected = 0;
      }
      return;
    }
    state.consecutive++;
    if (state.consecutive >= this.threshold && !endpoint.ejected && this.mayEject()) this.eject(endpoint, state);
  }

  /** Forgets an endpoint that left the set (should it come back, it starts afresh). */
  forget(endpoint: Ejectable): void {
    clearTimeout(this.states.get(endpoint)?.timer);
    this.states.delete(endpoint);
    if (endpoint.ejected) {
      endpoint.ejected = false;
      this.onChange(endpoint);
    }
  }

  close(): void {
    this.closed = true;
    for (const state of this.states.values()) clearTimeout(state.timer);
  }

  private mayEject(): boolean {
    const total = this.population();
    let ejected = 0;
    for (const endpoint of this.states.keys()) if (endpoint.ejected) ejected++;
    return total - ejected > 1 && ejected + 1 <= Math.max(1, Math.floor(this.maxShare * total));
  }

  private eject(endpoint: Ejectable, state: OutlierState): void {
    state.timesEjected++;
    state.consecutive = 0;
    endpoint.ejected = true;
    this.onChange(endpoint);
    state.timer = setTimeout(
      () => {
        state.timer = undefined;
        if (this.closed) return;
        endpoint.ejected = false;
        state.returnedAt = performance.now();
        this.onChange(endpoint);
      },
      Math.min(this.maxMs, this.baseMs * state.timesEjected),
    );
    state.timer.unref();
  }

  private stateOf(endpoint: Ejectable): OutlierState {
    let state = this.states.get(endpoint);
    if (state === undefined) {
      state = { consecutive: 0, timesEjected: 0, returnedAt: 0, timer: undefined };
      this.states.set(endpoint, state);
    }
    return state;
  }
}
