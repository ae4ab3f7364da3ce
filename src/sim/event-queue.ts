/**
 * The simulator's virtual clock: a binary min-heap of events ordered by time, ties by the
 * order they were scheduled (so a run is repeatable). `now` is the time of the event being
 * handled; everything the simulated balancers and estimates read as "now" is this.
 *
 * Events are the simulator's own objects carrying an `at` and a `seq` (calls are reused as
 * their own events), so scheduling allocates nothing beyond the heap's growth.
 */

/** Something that happens at a virtual time. */
export interface SimEvent {
  /** Virtual time in ms. */
  at: number;
  /** Scheduling order, the tie-break (set by the queue). */
  seq: number;
}

/** Events by virtual time; the clock is the time of the last event taken. */
export class EventQueue<E extends SimEvent> {
  #heap: E[] = [];
  #seq = 0;
  /** Virtual time in ms: the time of the event last taken (0 before any). */
  now = 0;
  /** `() => queue.now`, for the code that takes a clock function. */
  readonly clock = (): number => this.now;

  /** How many events are waiting. */
  get size(): number {
    return this.#heap.length;
  }

  /** Schedules `event` at `at` (not before now). */
  push(event: E, at: number): void {
    event.at = Math.max(at, this.now);
    event.seq = this.#seq++;
    const heap = this.#heap;
    let i = heap.length;
    heap.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!before(event, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
  }

  /** Takes the earliest event and moves the clock to it; undefined when none is left. */
  pop(): E | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && before(heap[right]!, heap[left]!) ? right : left;
        if (!before(heap[child]!, last)) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    this.now = top.at;
    return top;
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
