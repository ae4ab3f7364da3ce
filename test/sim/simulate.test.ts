// The simulator on its own: repeatable, right on a queue with a known answer (M/M/1), the
// real balancers' distributions, stale reports, its option checks, and no grpc-js below it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/sim/scenario.js';
import { simulate } from '../../src/sim/simulate.js';

const base: Scenario = {
  name: 'test',
  nodes: [{ count: 4, serviceMs: 5, distribution: 'exponential', workers: 2 }],
  clients: { count: 8, mode: 'open', ratePerSecond: 100 },
  durationMs: 2000,
};

describe('simulate', () => {
  it('gives the same figures for the same seed, other figures for another', async () => {
    const a = await simulate({ ...base, balancers: ['leastLoad'] });
    const b = await simulate({ ...base, balancers: ['leastLoad'] });
    const c = await simulate({ ...base, balancers: ['leastLoad'], seed: 2 });
    const figures = (r: typeof a) => r.outcomes.map(({ wallMs: _, ...rest }) => rest);
    expect(figures(b)).toEqual(figures(a));
    expect(figures(c)).not.toEqual(figures(a));
  });

  it('matches M/M/1 queueing theory: sojourn time exponential with rate μ − λ', async () => {
    // λ = 50/s, μ = 100/s: mean sojourn 20 ms, median 20·ln 2, p99 20·ln 100.
    const result = await simulate({
      name: 'mm1',
      nodes: [{ count: 1, serviceMs: 10, distribution: 'exponential' }],
      clients: { count: 1, mode: 'open', ratePerSecond: 50 },
      balancers: ['roundRobin'],
      warmupMs: 10_000,
      durationMs: 1_000_000,
    });
    const { latencyMs, callsPerSecond } = result.outcomes[0]!;
    expect(callsPerSecond).toBeGreaterThan(49);
    expect(callsPerSecond).toBeLessThan(51);
    expect(latencyMs.p50 / (20 * Math.LN2)).toBeCloseTo(1, 1);
    expect(latencyMs.p99 / (20 * Math.log(100))).toBeCloseTo(1, 1);
  });

  it('runs the real balancers: roundRobin spreads evenly, weighted by weight, leastLoad by speed', async () => {
    const result = await simulate({
      name: 'shares',
      nodes: [
        { name: 'fast', count: 1, serviceMs: 2, weight: 3 },
        { name: 'slow', count: 1, serviceMs: 6, weight: 1 },
      ],
      clients: { count: 1, mode: 'closed', concurrency: 16 },
      balancers: ['roundRobin', 'weighted', 'leastLoad'],
      warmupMs: 1000,
      durationMs: 2000,
    });
    const share = (balancer: string) => result.outcomes.find((o) => o.balancer === balancer)!.shares.fast!;
    expect(share('roundRobin')).toBeCloseTo(0.5, 2);
    expect(share('weighted')).toBeCloseTo(0.75, 2);
    expect(share('leastLoad')).toBeGreaterThan(0.72);
    expect(share('leastLoad')).toBeLessThan(0.78);
  });

  it('slows a node down for its slowdowns and its slow start, and offers it once it joins', async () => {
    const single = (group: Scenario['nodes'][number]) =>
      simulate({
        name: 'pace',
        nodes: [group],
        clients: { count: 1, mode: 'open', ratePerSecond: 20 },
        balancers: ['roundRobin'],
        durationMs: 5000,
      }).then((r) => r.outcomes[0]!.latencyMs);
    // 20 calls/s of 5 ms calls hardly ever queue: each latency is the pace at arrival.
    expect(
      (await single({ count: 1, serviceMs: 5, slowdowns: [{ atMs: 0, forMs: 10_000, factor: 3 }] })).p50,
    ).toBeCloseTo(15, 0);
    const warming = await single({ count: 1, serviceMs: 5, slowStart: { factor: 4, ms: 10_000 } });
    // 4x at the join falling to 1x over 10 s: 20 ms calls at first, 12.5 ms after 5 s, 16.25 ms halfway.
    expect(warming.max).toBeGreaterThan(19);
    expect(warming.p50).toBeGreaterThan(15.5);
    expect(warming.p50).toBeLessThan(18);
    const late = await simulate({
      name: 'join',
      nodes: [
        { name: 'early', count: 1, serviceMs: 1 },
        { name: 'late', count: 1, serviceMs: 1, joinAtMs: 1000 },
      ],
      clients: { count: 1, mode: 'open', ratePerSecond: 200 },
      balancers: ['roundRobin'],
      durationMs: 2000,
    });
    expect(late.outcomes[0]!.shares.late).toBeCloseTo(0.25, 1);
  });

  it("fails the failing nodes' share of calls", async () => {
    const result = await simulate({
      name: 'failing',
      nodes: [
        { name: 'good', count: 3, serviceMs: 5, workers: 2 },
        { name: 'bad', count: 1, serviceMs: 5, workers: 2, errorRate: 0.5 },
      ],
      clients: { count: 4, mode: 'open', ratePerSecond: 200 },
      balancers: ['roundRobin'],
      durationMs: 3000,
    });
    const [rr] = result.outcomes;
    expect(rr!.shares.bad).toBeCloseTo(0.25, 2);
    expect(rr!.failed / rr!.calls).toBeCloseTo(0.125, 2);
  });

  it('a full scan herds on stale reports where two choices do not', async () => {
    const herding = (staleMs: number, choices: number) =>
      simulate({
        name: 'herding',
        nodes: [{ count: 20, serviceMs: 5, distribution: 'exponential', workers: 4 }],
        clients: { count: 100, mode: 'open', ratePerSecond: 112 },
        balancers: [{ name: 'leastLoad', options: { choices } }],
        reports: { staleMs },
        warmupMs: 300,
        durationMs: 1500,
      }).then((r) => r.outcomes[0]!.latencyMs.p99);
    const [scanFresh, scanStale, p2cStale] = await Promise.all([herding(0, 20), herding(100, 20), herding(100, 2)]);
    expect(scanStale).toBeGreaterThan(1.5 * scanFresh);
    expect(p2cStale).toBeLessThan(1.2 * scanFresh);
  });

  it('connects each client to its subset only', async () => {
    const result = await simulate({
      ...base,
      nodes: [{ count: 40, serviceMs: 5 }],
      clients: { count: 20, mode: 'open', ratePerSecond: 10 },
      subset: { size: 8, strategy: 'deterministic' },
      durationMs: 200,
    });
    expect(result.connections).toEqual({ total: 160, perNodeMax: 4, perNodeMean: 4 });
  });

  it('rejects a bad scenario naming the field, the value and what is allowed', async () => {
    await expect(simulate({ ...base, durationMs: 0 })).rejects.toThrow(
      'scenario "test": durationMs must be a positive number, got 0',
    );
    await expect(simulate({ ...base, nodes: [{ count: 2, serviceMs: 1, errorRate: 2 }] })).rejects.toThrow(
      'scenario "test": nodes[0]: errorRate must be between 0 and 1, got 2',
    );
    await expect(simulate({ ...base, balancers: ['nope'] })).rejects.toThrow('unknown balancer "nope"');
    await expect(simulate({ ...base, balancers: [{ name: 'weighted', options: { dynamic: true } }] })).rejects.toThrow(
      'with dynamic weights is not simulated',
    );
  });

  it('imports nothing of grpc-js, not even types', () => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/from '@grpc\/grpc-js'/);
      for (const [, spec] of text.matchAll(/from '(\.[^']+)'/g))
        visit(path.resolve(path.dirname(file), spec!.replace(/\.js$/, '.ts')));
    };
    const dir = path.resolve('src/sim');
    for (const file of readdirSync(dir)) visit(path.join(dir, file));
    expect(seen.size).toBeGreaterThan(10);
  });
});
