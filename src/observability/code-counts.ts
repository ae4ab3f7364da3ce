import { statusName } from '../common/status.js';

/** Status codes 0..16 are gRPC's; anything above is counted in one overflow slot. */
const SLOTS = 18;

/**
 * Calls counted by gRPC status code: a fixed array indexed by code, so counting is one
 * increment and never allocates; names are given only when read.
 */
export class CodeCounts {
  private readonly counts = new Float64Array(SLOTS);

  add(code: number): void {
    this.counts[code >= 0 && code < SLOTS - 1 ? code : SLOTS - 1]!++;
  }

  /** Non-OK codes seen so far by name, e.g. `{ UNAVAILABLE: 3 }`. */
  failures(): Record<string, number> {
    const byName: Record<string, number> = {};
    for (let code = 1; code < SLOTS; code++) {
      const count = this.counts[code]!;
      if (count > 0) byName[code === SLOTS - 1 ? 'OTHER' : statusName(code)] = count;
    }
    return byName;
  }
}
