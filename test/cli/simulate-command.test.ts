// `switchboard simulate`, run as the built binary (dist/cli/main.js) in a child process.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, switchboard } from '../helpers/cli.js';

beforeAll(() => buildCli(), 120_000);

describe('switchboard simulate', () => {
  it('prints a row per balancer for a built-in scenario', async () => {
    const result = await switchboard('simulate', 'heterogeneous', '--duration', '0.5');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^heterogeneous: 1 clients × 3 nodes, 3 connections/);
    const rows = result.stdout.split('\n').filter((line) => /^(roundRobin|weighted|leastLoad) /.test(line));
    expect(rows.map((row) => row.split(/\s+/).slice(0, 2))).toEqual([
      ['roundRobin', expect.stringMatching(/^(49\d|50\d)$/)],
      ['weighted', expect.stringMatching(/^11\d\d$/)],
      ['leastLoad', expect.stringMatching(/^11\d\d$/)],
    ]);
  });

  it('runs a scenario from a JSON file, once per staleness, as JSON', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sim-')), 'two.json');
    const scenario = {
      nodes: [{ count: 2, serviceMs: 4 }],
      clients: { count: 2, mode: 'open', ratePerSecond: 100 },
      balancers: ['random'],
      durationMs: 500,
    };
    writeFileSync(file, JSON.stringify(scenario));
    const result = await switchboard('simulate', file, '--stale', '0,100', '--json');
    expect(result.code).toBe(0);
    const runs = JSON.parse(result.stdout) as { staleMs: number; result: { outcomes: { balancer: string }[] } }[];
    expect(runs.map((r) => [r.staleMs, r.result.outcomes.map((o) => o.balancer)])).toEqual([
      [0, ['random']],
      [100, ['random']],
    ]);
  });

  it('names an unknown scenario and a bad option', async () => {
    const unknown = await switchboard('simulate', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('switchboard simulate: unknown scenario "nope"; built-in: heterogeneous, scale');
    const bad = await switchboard('simulate', 'heterogeneous', '--duration', '-1');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--duration must be a positive number, got "-1"');
  });
});
