import { describe, expect, it } from 'vitest';
import { type Balancer, seededRandom } from 'switchboard';
import { random } from '../../src/balancer/random.js';
import { roundRobin } from '../../src/balancer/round-robin.js';
import { zoneAware } from '../../src/balancer/zone-aware.js';
import { endpoint, type FakeEndpoint, firstAttempt, retry } from './fake-endpoint.js';

const PICKS = 30_000;

/** Share of `PICKS` picks that went to zone `zone`. */
function shareOf(balancer: Balancer, zone: string): number {
  let local = 0;
  for (let i = 0; i < PICKS; i++) if (balancer.pick(firstAttempt)!.zone === zone) local++;
  return local / PICKS;
}

function cluster(): { local: FakeEndpoint[]; remote: FakeEndpoint[] } {
  return {
    local: ['a1', 'a2', 'a3'].map((id) => endpoint(id, { zone: 'eu-1' })),
    remote: ['b1', 'b2', 'b3'].map((id) => endpoint(id, { zone: 'eu-2' })),
  };
}

function make(spillover = {}, seed = 1): Balancer {
  const rng = seededRandom(seed);
  return zoneAware(() => roundRobin({ random: rng }), { zone: 'eu-1', spillover, random: rng });
}

describe('zoneAware', () => {
  it('keeps every call in a healthy, unloaded local zone', () => {
    const { local, remote } = cluster();
    const balancer = make();
    balancer.update([...remote, ...local]);
    expect(shareOf(balancer, 'eu-1')).toBe(1);
  });

  it('spills everything when the local zone is empty, nothing when it is the only zone', () => {
    const { local, remote } = cluster();
    const balancer = make();
    balancer.update(remote);
    expect(shareOf(balancer, 'eu-1')).toBe(0);
    balancer.update(local);
    expect(shareOf(balancer, 'eu-1')).toBe(1);
  });

  it('with 2 of 3 local nodes down keeps 1.4 × 1/3 of the calls local (Envoy overprovisioning)', () => {
    const { local, remote } = cluster();
    const balancer = make();
    balancer.update([...local, ...remote]);
    balancer.update([local[0]!, ...remote]);
    expect(shareOf(balancer, 'eu-1')).toBeCloseTo(1.4 / 3, 2);
    // 1 of 3 down: 1.4 × 2/3 ≈ 0.93 stays local.
    balancer.update([local[0]!, local[1]!, ...remote]);
    expect(shareOf(balancer, 'eu-1')).toBeCloseTo(1.4 * (2 / 3), 2);
    // Back to 3 of 3: everything local again.
    balancer.update([...local, ...remote]);
    expect(shareOf(balancer, 'eu-1')).toBe(1);
  });

  it('spills the excess of an overloaded zone in proportion to its in-flight load', () => {
    const { local, remote } = cluster();
    for (const e of local) e.inFlight = 30;
    const balancer = make({ maxInFlight: 20 });
    balancer.update([...local, ...remote]);
    expect(shareOf(balancer, 'eu-1')).toBeCloseTo(2 / 3, 2);
    for (const e of local) e.inFlight = 10;
    expect(shareOf(balancer, 'eu-1')).toBeGreaterThan(0.999);
  });

  it('spills by fresh reported utilization, and ignores stale reports', () => {
    const { local, remote } = cluster();
    const report = (utilization: number, age: number) => ({
      utilization,
      inFlight: 0,
      qps: 0,
      eps: 0,
      named: {},
      receivedAt: performance.now() - age,
      ownInFlight: 0,
    });
    for (const e of local) e.load = report(0.9, 0);
    const balancer = make({ maxUtilization: 0.6 });
    balancer.update([...local, ...remote]);
    expect(shareOf(balancer, 'eu-1')).toBeCloseTo(0.6 / 0.9, 2);
    for (const e of local) e.load = report(0.9, 5000);
    expect(shareOf(balancer, 'eu-1')).toBeGreaterThan(0.999);
  });

  it('combines health and load: 1 of 3 local left, at twice its limit', () => {
    const { local, remote } = cluster();
    const balancer = make({ maxInFlight: 5 });
    balancer.update([...local, ...remote]);
    local[0]!.inFlight = 10;
    balancer.update([local[0]!, ...remote]);
    expect(shareOf(balancer, 'eu-1')).toBeCloseTo(1.4 / 3 / 2, 2);
  });

  it('sends a retry to another zone once every local node was tried', () => {
    const { local, remote } = cluster();
    const balancer = make();
    balancer.update([...local, ...remote]);
    expect(balancer.pick(retry(local[0]!))!.zone).toBe('eu-1');
    expect(balancer.pick(retry(...local))!.zone).toBe('eu-2');
  });

  it('forwards call feedback to the zone balancer that holds the endpoint', () => {
    const seen: string[] = [];
    const recording = (): Balancer => ({ ...random(), onCallEnd: (e) => seen.push(e.id) });
    const { local, remote } = cluster();
    const balancer = zoneAware(recording, { zone: 'eu-1' });
    balancer.update([...local, ...remote]);
    balancer.onCallEnd?.(remote[1]!, { code: 0, latencyMs: 1 });
    expect(seen).toEqual(['b2']);
    expect(balancer.name).toBe('zoneAware(random)');
  });

  it('refuses one shared inner balancer', () => {
    const shared = roundRobin();
    expect(() => zoneAware(() => shared, { zone: 'eu-1' })).toThrow('pass the factory');
  });
});
