/**
 * A modelled server node: `workers` calls served at once in FIFO order (an M/G/c queue),
 * service times drawn around the group's mean (`service-time.ts`), times the slowdowns
 * and the slow start in force when a call arrives (a call keeps the pace it arrived at,
 * as `SingleWorker` does), a share of calls failed at once, and the load reports a
 * Switchboard node attaches to its responses.
 *
 * The queue is kept as each worker's free-at time: an arriving call takes the worker that
 * frees first, so its start and end are known on arrival and a call costs one event at the
 * node (its end), not one per queue move.
 *
 * Reports describe the node `staleMs` before the response: its calls in flight then, and
 * its utilization and qps over the `intervalMs` before that (busy time counted as calls
 * end, as the benchmark nodes do). The state is sampled on a grid of SNAPSHOT_MS into a
 * ring long enough for `staleMs + intervalMs`; a grid cell with no event holds the state
 * of the last one (nothing changed in between), so a lookup is O(1).
 */
import type { NodeGroup } from './scenario.js';
import { drawServiceTime } from './service-time.js';

/** Resolution of the report history, ms. */
const SNAPSHOT_MS = 10;
/** Fields per snapshot: in flight, busy ms, calls done, calls failed. */
const FIELDS = 4;

/** A load report's figures, as the node would send them. */
export interface NodeReport {
  utilization: number;
  inFlight: number;
  qps: number;
  eps: number;
}

/** One modelled node (see the file's opening comment). */
export class SimNode {
  /** Calls at the node now (queued or in service). */
  inFlight = 0;
  /** Calls it has ended, failed ones included, and how many failed. */
  done = 0;
  failed = 0;
  /** Worker time spent on the calls ended so far, ms. */
  busyMs = 0;
  readonly #freeAt: Float64Array;
  readonly #history: Float64Array | undefined;
  readonly #slots: number;
  #grid = -1;

  constructor(
    readonly index: number,
    readonly id: string,
    readonly group: NodeGroup,
    private readonly random: () => number,
    reports: { readonly intervalMs: number; readonly staleMs: number } | undefined,
  ) {
    this.#freeAt = new Float64Array(group.workers ?? 1);
    this.#slots = reports === undefined ? 0 : Math.ceil((reports.staleMs + reports.intervalMs) / SNAPSHOT_MS) + 2;
    this.#history = reports === undefined ? undefined : new Float64Array(this.#slots * FIELDS);
  }

  /** The node's static weight. */
  get weight(): number {
    return this.group.weight ?? 1;
  }

  /** When the node joins, ms. */
  get joinAtMs(): number {
    return this.group.joinAtMs ?? 0;
  }

  /**
   * A call arrives at `now`: returns when it ends and the worker time it takes, or a
   * negative end when the node fails it at once.
   */
  admit(now: number, out: { end: number; serviceMs: number }): void {
    this.#sample(now);
    this.inFlight++;
    const group = this.group;
    if ((group.errorRate ?? 0) > 0 && this.random() < group.errorRate!) {
      out.end = -1;
      out.serviceMs = 0;
      return;
    }
    const serviceMs =
      drawServiceTime(group.distribution ?? 'fixed', group.serviceMs, group.sigma ?? 0.5, this.random) *
      this.#pace(now);
    const freeAt = this.#freeAt;
    let worker = 0;
    for (let w = 1; w < freeAt.length; w++) if (freeAt[w]! < freeAt[worker]!) worker = w;
    const end = Math.max(now, freeAt[worker]!) + serviceMs;
    freeAt[worker] = end;
    out.end = end;
    out.serviceMs = serviceMs;
  }

  /** A call admitted earlier ends at `now` (failed: `serviceMs` 0 and `failed`). */
  finish(now: number, serviceMs: number, failed: boolean): void {
    this.#sample(now);
    this.inFlight--;
    this.done++;
    this.busyMs += serviceMs;
    if (failed) this.failed++;
  }

  /** Writes the report a response sent at `now` carries into `into` (needs `reports`). */
  report(now: number, intervalMs: number, staleMs: number, into: NodeReport): void {
    const at = now - staleMs;
    const from = at - intervalMs;
    // A fresh report (staleMs 0) is the node's state at this response, as a real one's in_flight.
    const fresh = staleMs === 0;
    const elapsed = Math.max(SNAPSHOT_MS, Math.min(intervalMs, at));
    into.inFlight = fresh ? this.inFlight : this.#state(at, 0);
    const busy = (fresh ? this.busyMs : this.#state(at, 1)) - this.#state(from, 1);
    into.utilization = Math.min(1, busy / (elapsed * this.#freeAt.length));
    into.qps = (((fresh ? this.done : this.#state(at, 2)) - this.#state(from, 2)) * 1000) / elapsed;
    into.eps = (((fresh ? this.failed : this.#state(at, 3)) - this.#state(from, 3)) * 1000) / elapsed;
  }

  /** Service pace at `now`: the slowdowns in force times the slow start's factor. */
  #pace(now: number): number {
    let pace = 1;
    const group = this.group;
    for (const s of group.slowdowns ?? []) if (now >= s.atMs && now < s.atMs + s.forMs) pace *= s.factor;
    const warm = group.slowStart;
    if (warm !== undefined) {
      const since = now - (group.joinAtMs ?? 0);
      if (since < warm.ms) pace *= warm.factor - ((warm.factor - 1) * since) / warm.ms;
    }
    return pace;
  }

  /** Fills the grid cells up to `now` with the state before this event. */
  #sample(now: number): void {
    const history = this.#history;
    if (history === undefined) return;
    const grid = Math.floor(now / SNAPSHOT_MS);
    if (grid <= this.#grid) return;
    const first = Math.max(this.#grid + 1, grid - this.#slots + 1);
    for (let g = first; g <= grid; g++) {
      const at = (g % this.#slots) * FIELDS;
      history[at] = this.inFlight;
      history[at + 1] = this.busyMs;
      history[at + 2] = this.done;
      history[at + 3] = this.failed;
    }
    this.#grid = grid;
  }

  /** Field `field` of the state at time `at` (the live state when nothing happened since). */
  #state(at: number, field: number): number {
    const grid = Math.floor(at / SNAPSHOT_MS);
    if (grid < 0) return 0;
    if (grid > this.#grid) return this.#live(field);
    const oldest = Math.max(0, this.#grid - this.#slots + 1);
    return this.#history![(Math.max(grid, oldest) % this.#slots) * FIELDS + field]!;
  }

  #live(field: number): number {
    return field === 0 ? this.inFlight : field === 1 ? this.busyMs : field === 2 ? this.done : this.failed;
  }
}
