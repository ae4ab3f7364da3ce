import { describe, expect, it } from 'vitest';
import { type Balancer, seededRandom } from 'switchboard';
import { cost, type Endpoint, type LoadReport } from 'switchboard/extend';
import { leastLoad } from '../../src/balancer/least-load.js';
import { type DecayingEwma, floorEwma, peakEwma } from 'switchboard/extend';
import { countById, endpoint, firstAttempt, retry } from './fake-endpoint.js';

/**
 * A node with one worker and a FIFO queue, on a simulated clock. Its latency and
 * service-time estimates are the client's own EWMAs fed by the simulated completions, as the
 * client's endpoint feeds them (latency, and latency ÷ the depth the call joined).
 */
class SimNode implements Endpoint {
  readonly address: string;
  readonly weight = 1;
  readonly zone = '';
  readonly labels = {};
  readonly load: LoadReport | undefined = undefined;
  readonly ewma: DecayingEwma;
  readonly perCall: DecayingEwma;
  /** The calls queued here (start time, depth joined); the first is in service. */
  readonly queue: { start: number; depth: number }[] = [];
  /** When the call in service completes. */
  doneAt = Number.POSITIVE_INFINITY;
  picks = 0;
  maxInFlightBeforeSample = 0;

  constructor(
    readonly id: string,
    public serviceMs: number,
    clock: { t: number },
  ) {
    this.address = `sim:${id}`;
    this.ewma = peakEwma(1000, () => clock.t);
    this.perCall = floorEwma(1000, () => clock.t);
  }
  get inFlight(): number {
    return this.queue.length;
  }
  get ewmaLatencyMs(): number {
    return this.ewma.value;
  }
  get serviceTimeMs(): number {
    return this.perCall.value;
  }
}

/** A closed loop: `concurrency` callers, each sending its next call as the last one ends. */
class Simulation {
  readonly clock = { t: 0 };
  nodes: SimNode[] = [];
  /** Latency of every call completed, in order. */
  readonly latencies: number[] = [];

  constructor(
    readonly balancer: Balancer,
    concurrency: number,
    nodes: [id: string, serviceMs: number][],
  ) {
    this.nodes = nodes.map(([id, ms]) => new SimNode(id, ms, this.clock));
    balancer.update(this.nodes);
    for (let i = 0; i < concurrency; i++) this.send();
  }

  add(id: string, serviceMs: number): SimNode {
    const node = new SimNode(id, serviceMs, this.clock);
    this.nodes.push(node);
    this.balancer.update(this.nodes);
    return node;
  }

  send(): void {
    const node = this.balancer.pick(firstAttempt) as SimNode;
    node.picks++;
    node.queue.push({ start: this.clock.t, depth: node.queue.length + 1 });
    if (node.queue.length === 1) node.doneAt = this.clock.t + node.serviceMs;
    if (node.ewma.value === 0) {
      node.maxInFlightBeforeSample = Math.max(node.maxInFlightBeforeSample, node.inFlight);
    }
  }

  /** Runs until `untilMs` of simulated time; returns the picks per node in that span. */
  run(untilMs: number): Map<string, number> {
    const before = new Map(this.nodes.map((n) => [n.id, n.picks]));
    for (;;) {
      let next: SimNode | undefined;
      for (const n of this.nodes) if (next === undefined || n.doneAt < next.doneAt) next = n;
      if (next === undefined || next.doneAt > untilMs) break;
      this.clock.t = next.doneAt;
      const { start, depth } = next.queue.shift()!;
      const latency = this.clock.t - start;
      next.ewma.observe(latency);
      next.perCall.observe(latency / depth);
      this.latencies.push(latency);
      next.doneAt = next.queue.length > 0 ? this.clock.t + next.serviceMs : Number.POSITIVE_INFINITY;
      this.send();
    }
    this.clock.t = untilMs;
    return new Map(this.nodes.map((n) => [n.id, n.picks - (before.get(n.id) ?? 0)]));
  }
}

describe('leastLoad', () => {
  it('sends a 1 ms node at least twice the calls of a 3 ms node', () => {
    const sim = new Simulation(leastLoad({ random: seededRandom(1) }), 32, [
      ['fast', 1],
      ['slow', 3],
    ]);
    const picks = sim.run(5000);
    const fast = picks.get('fast')!;
    const slow = picks.get('slow')!;
    expect(fast).toBeGreaterThanOrEqual(2 * slow);
    // Capacity is 1 + 1/3 calls per ms; a closed loop that keeps both busy gets most of it.
    expect(fast + slow).toBeGreaterThan((0.95 * (5000 * 4)) / 3);
  });

  it(
    'equalises expected delay: a 6 ms node keeps about a third of the queue of a 2 ms one, ' +
      'and the tail stays near the mean',
    () => {
      const sim = new Simulation(leastLoad({ random: seededRandom(8) }), 32, [
        ['a', 2],
        ['b', 2],
        ['c', 6],
      ]);
      sim.run(1000);
      const from = sim.latencies.length;
      const picks = sim.run(11_000);
      const total = [...picks.values()].reduce((x, y) => x + y);
      // Capacity 500 + 500 + 167 calls/s; the ideal shares are 3/7, 3/7, 1/7.
      expect(total).toBeGreaterThan(0.98 * 10 * 1167);
      expect(Math.abs(picks.get('c')! / total - 1 / 7)).toBeLessThan(0.01);
      // Equal delays: (q + 1) × 2 = (q_c + 1) × 6 with 2q + q_c = 32 gives 30 ms everywhere;
      // equal queues (JSQ) would make calls on the slow node wait ~70 ms.
      const sorted = sim.latencies.slice(from).sort((x, y) => x - y);
      expect(sorted[Math.floor(0.99 * sorted.length)]).toBeLessThan(36);
    },
  );

  it('takes most of the share from a node whose latency jumps 10x, within 100 ms', () => {
    const sim = new Simulation(leastLoad({ random: seededRandom(2) }), 32, [
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
    const steady = sim.run(2000);
    const total = [...steady.values()].reduce((x, y) => x + y);
    expect(Math.abs(steady.get('a')! / total - 1 / 3)).toBeLessThan(0.02);

    sim.nodes[0]!.serviceMs = 10;
    // Its queue of ~10 calls now drains 10x slower: the first slow samples stop new calls.
    const first = sim.run(2100);
    expect(first.get('a')! / [...first.values()].reduce((x, y) => x + y)).toBeLessThan(0.05);
    const after = sim.run(3000);
    const share = after.get('a')! / [...after.values()].reduce((x, y) => x + y);
    // Its capacity share is now 0.1 / 2.1 ≈ 4.8%; before the jump it had a third.
    expect(share).toBeLessThan(0.08);
    expect(share).toBeGreaterThan(0.02);
  });

  it('sends a new endpoint one call at a time until its first sample', () => {
    const sim = new Simulation(leastLoad({ random: seededRandom(3) }), 32, [
      ['a', 1],
      ['b', 1],
    ]);
    sim.run(1000);
    const fresh = sim.add('fresh', 5);
    // ~8 calls are sent in these 4 ms, about 2/3 of them comparing `fresh` (idle or busy).
    const first = sim.run(1004);
    expect(first.get('a')! + first.get('b')!).toBeGreaterThanOrEqual(6);
    expect(fresh.picks).toBe(1);
    expect(fresh.ewmaLatencyMs).toBe(0);
    const later = sim.run(3000);
    expect(fresh.ewmaLatencyMs).toBeGreaterThan(0);
    expect(fresh.maxInFlightBeforeSample).toBe(1);
    // Its capacity share is 0.2 / 2.2 ≈ 9%.
    const share = later.get('fresh')! / [...later.values()].reduce((x, y) => x + y);
    expect(share).toBeGreaterThan(0.06);
    expect(share).toBeLessThan(0.12);
  });

  it('is deterministic: the same seed gives the same picks', () => {
    const sequence = (seed: number) => {
      const balancer = leastLoad({ choices: 2, random: seededRandom(seed) });
      const nodes = Array.from({ length: 10 }, (_, i) =>
        endpoint(`n${i}`, { inFlight: i % 4, ewmaLatencyMs: 1 + ((i * 7) % 5) }),
      );
      balancer.update(nodes);
      return Array.from({ length: 500 }, () => {
        const node = balancer.pick(firstAttempt)!;
        (node as (typeof nodes)[number]).inFlight++;
        return node.id;
      }).join(',');
    };
    expect(sequence(42)).toBe(sequence(42));
    expect(sequence(42)).not.toBe(sequence(43));
  });

  it('compares d distinct endpoints: the most loaded of 3 is never picked with d = 2', () => {
    const balancer = leastLoad({ random: seededRandom(4) });
    const nodes = [
      endpoint('x', { ewmaLatencyMs: 5 }),
      endpoint('y', { ewmaLatencyMs: 10 }),
      endpoint('z', { ewmaLatencyMs: 20 }),
    ];
    balancer.update(nodes);
    const counts = countById(Array.from({ length: 3000 }, () => balancer.pick(firstAttempt)));
    expect(counts.get('z')).toBeUndefined();
    // x wins the 2 pairs it is in (2/3), y wins the pair {y, z} (1/3).
    expect(Math.abs(counts.get('x')! / 3000 - 2 / 3)).toBeLessThan(0.03);
  });

  it('scales cost by a fresh utilization report and ignores a stale one', () => {
    const report = (utilization: number, ageMs: number): LoadReport => ({
      utilization,
      inFlight: 0,
      qps: 0,
      eps: 0,
      named: {},
      receivedAt: performance.now() - ageMs,
      ownInFlight: 0,
    });
    const balancer = leastLoad({ random: seededRandom(5) });
    const busy = endpoint('busy', { ewmaLatencyMs: 10, load: report(0.9, 100) });
    const idle = endpoint('idle', { ewmaLatencyMs: 12, load: report(0.1, 100) });
    balancer.update([busy, idle]);
    // 10 × 1.9 = 19 against 12 × 1.1 = 13.2
    for (let i = 0; i < 100; i++) expect(balancer.pick(firstAttempt)).toBe(idle);
    busy.load = report(0.9, 5000);
    for (let i = 0; i < 100; i++) expect(balancer.pick(firstAttempt)).toBe(busy);
  });

  it("adds the other callers' calls in a fresh report to its own count while the report is fresh", () => {
    const shared = endpoint('shared', { inFlight: 2, ewmaLatencyMs: 100 });
    expect(cost(shared)).toBe(300);
    // The node counted 7 calls when this client had 1 of them there: 6 are other callers'.
    const report = { utilization: 0, inFlight: 7, ownInFlight: 1, qps: 0, eps: 0, named: {} };
    shared.load = { ...report, receivedAt: performance.now() - 300 };
    expect(cost(shared)).toBe((2 + 6 + 1) * 100);
    shared.load = { ...report, receivedAt: performance.now() - 5000 };
    expect(cost(shared)).toBe(300);
  });

  it('prefers untried endpoints on retries', () => {
    const balancer = leastLoad({ random: seededRandom(6) });
    const nodes = ['a', 'b', 'c', 'd', 'e'].map((id, i) => endpoint(id, { ewmaLatencyMs: i + 1 }));
    balancer.update(nodes);
    const [a, b, c, d, e] = nodes;
    for (let i = 0; i < 200; i++) {
      expect(balancer.pick(retry(a!))!.id).not.toBe('a');
      expect(balancer.pick(retry(a!, b!, c!, d!))!.id).toBe('e');
    }
    expect(balancer.pick(retry(a!, b!, c!, d!, e!))).toBeDefined();
  });

  it('returns the only endpoint, or undefined with none', () => {
    const balancer = leastLoad();
    expect(balancer.pick(firstAttempt)).toBeUndefined();
    const only = endpoint('only');
    balancer.update([only]);
    expect(balancer.pick(firstAttempt)).toBe(only);
  });

  it('rejects a choices count below 1', () => {
    expect(() => leastLoad({ choices: 0 })).toThrow(RangeError);
  });
});
