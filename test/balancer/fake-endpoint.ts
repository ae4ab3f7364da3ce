import type { Endpoint, LoadReport, PickContext } from 'switchboard/extend';

/** A plain, mutable endpoint: balancers only read it, the tests drive it. */
export interface FakeEndpoint extends Endpoint {
  inFlight: number;
  ewmaLatencyMs: number;
  load: LoadReport | undefined;
}

export function endpoint(id: string, fields: Partial<FakeEndpoint> = {}): FakeEndpoint {
  return {
    id,
    address: `10.0.0.${id.length}:${id.charCodeAt(0)}`,
    weight: 1,
    zone: '',
    labels: {},
    inFlight: 0,
    ewmaLatencyMs: 0,
    load: undefined,
    ...fields,
  };
}

export const firstAttempt: PickContext = {
  path: '/test.Svc/Call',
  metadata: {},
  key: undefined,
  attempt: 1,
  tried: [],
};

export function retry(...tried: Endpoint[]): PickContext {
  return { ...firstAttempt, attempt: tried.length + 1, tried };
}

/** How many of `picks` went to each id. */
export function countById(picks: readonly (Endpoint | undefined)[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const p of picks) {
    if (p === undefined) throw new Error('pick returned undefined');
    counts.set(p.id, (counts.get(p.id) ?? 0) + 1);
  }
  return counts;
}
