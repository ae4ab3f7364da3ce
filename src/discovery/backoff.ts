// Retry pacing for discovery loops that wait for a registry to come back.

const MIN_MS = 200;
const MAX_MS = 2000;

/** Doubling delays from 200 ms to 2 s with ±20% jitter; `reset` after a success. */
export class Backoff {
  private next = MIN_MS;

  delay(): number {
    const ms = this.next * (0.8 + 0.4 * Math.random());
    this.next = Math.min(this.next * 2, MAX_MS);
    return ms;
  }

  /** True after a failure, until `reset`. */
  get failing(): boolean {
    return this.next > MIN_MS;
  }

  reset(): void {
    this.next = MIN_MS;
  }
}
