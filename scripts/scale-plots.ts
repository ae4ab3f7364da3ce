// The findings of docs/scale.md: runs the simulator (src/sim/) for each question, prints
// the figures as tables and writes the charts to docs/scale-*.png (scripts/vega-png.ts).
// Run: `npx tsx scripts/scale-plots.ts [subsets|choices|stale|slow ...]` (default: all).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TopLevelSpec } from 'vega-lite';
import { formatTable } from '../src/cli/table.js';
import type { BalancerSpec, Scenario } from '../src/sim/scenario.js';
import { type BalancerOutcome, simulate } from '../src/sim/simulate.js';
import { writePng } from './vega-png.js';

const docs = fileURLToPath(new URL('../docs/', import.meta.url));

type Row = Record<string, string | number>;

async function outcomes(scenario: Scenario): Promise<BalancerOutcome[]> {
  const started = performance.now();
  const result = await simulate(scenario);
  const s = ((performance.now() - started) / 1000).toFixed(1);
  console.error(`  ${scenario.name}: ${result.clients} clients × ${result.nodes} nodes, ${s} s`);
  return [...result.outcomes];
}

function print(title: string, rows: readonly Row[]): void {
  const header = Object.keys(rows[0]!);
  console.log(`\n${title}\n`);
  console.log(
    formatTable(
      header,
      rows.map((r) => header.map((h) => String(r[h]))),
    ),
  );
}

function lineChart(
  title: string,
  rows: readonly Row[],
  axes: { x: string; y: string; color: string; logX?: boolean; logY?: boolean },
): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 420,
    height: 260,
    data: { values: rows as Row[] },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: axes.x, type: 'quantitative', scale: axes.logX ? { type: 'log' } : {} },
      y: { field: axes.y, type: 'quantitative', scale: axes.logY ? { type: 'log' } : {} },
      color: { field: axes.color, type: 'nominal', legend: { labelLimit: 400 } },
    },
  };
}

/** Subset size against the spread of calls over the nodes, deterministic and random subsets. */
async function subsets(): Promise<void> {
  const rows: Row[] = [];
  for (const strategy of ['deterministic', 'random'] as const) {
    for (const size of [5, 10, 20, 50, 100, 200]) {
      const [rr] = await outcomes({
        name: `subsets ${strategy} ${size}`,
        nodes: [{ count: 1000, serviceMs: 10, distribution: 'exponential', workers: 2 }],
        clients: { count: 300, mode: 'open', ratePerSecond: 400 },
        subset: { size, strategy },
        balancers: ['roundRobin'],
        warmupMs: 200,
        durationMs: 2000,
      });
      rows.push({
        strategy,
        'subset size': size,
        'calls max/mean': Number(rr!.spread.maxOverMean.toFixed(3)),
        'calls CV': Number(rr!.spread.cv.toFixed(3)),
        'p99 ms': Number(rr!.latencyMs.p99.toFixed(1)),
      });
    }
  }
  print('Subset size vs load spread: 300 clients × 1,000 nodes, roundRobin, 60% load', rows);
  await writePng(
    lineChart('Spread of calls over 1,000 nodes (roundRobin, 300 clients)', rows, {
      x: 'subset size',
      y: 'calls CV',
      color: 'strategy',
      logX: true,
    }),
    path.join(docs, 'scale-subsets.png'),
  );
}

const REPORTING: Omit<Scenario, 'name' | 'balancers'> = {
  nodes: [{ count: 100, serviceMs: 10, distribution: 'exponential', workers: 4 }],
  clients: { count: 100, mode: 'open', ratePerSecond: 320 },
  reports: { intervalMs: 200, staleMs: 0 },
  warmupMs: 500,
  durationMs: 2000,
};

/** Power of d choices for d = 1 … 100 (a full scan), with fresh and stale reports. */
async function choices(): Promise<void> {
  const rows: Row[] = [];
  const ds = [1, 2, 3, 5, 10, 100];
  for (const staleMs of [0, 100, 1000]) {
    const list = await outcomes({
      ...REPORTING,
      name: `choices, ${staleMs} ms stale`,
      reports: { intervalMs: 200, staleMs },
      balancers: ds.map((d): BalancerSpec => ({ name: 'leastLoad', label: String(d), options: { choices: d } })),
    });
    for (const o of list)
      rows.push({
        'reports stale': `${staleMs} ms`,
        choices: Number(o.balancer),
        'p99 ms': Number(o.latencyMs.p99.toFixed(1)),
      });
  }
  print('leastLoad choices vs p99: 100 clients × 100 nodes (4 workers, 10 ms), 80% load, load reports', rows);
  await writePng(
    lineChart('leastLoad p99 by choices per pick (100 × 100, 80% load)', rows, {
      x: 'choices',
      y: 'p99 ms',
      color: 'reports stale',
      logX: true,
      logY: true,
    }),
    path.join(docs, 'scale-choices.png'),
  );
}

/** Herding as reports grow stale: two choices, a full scan, round robin. */
async function stale(): Promise<void> {
  const rows: Row[] = [];
  const balancers: BalancerSpec[] = [
    'roundRobin',
    { name: 'leastLoad', label: 'leastLoad (2 choices)' },
    { name: 'leastLoad', label: 'leastLoad (full scan)', options: { choices: 100 } },
  ];
  for (const staleMs of [0, 25, 50, 100, 250, 500, 1000]) {
    const list = await outcomes({
      ...REPORTING,
      name: `stale ${staleMs}`,
      reports: { intervalMs: 200, staleMs },
      balancers,
    });
    for (const o of list)
      rows.push({
        balancer: o.balancer,
        'stale ms': staleMs,
        'p99 ms': Number(o.latencyMs.p99.toFixed(1)),
        'herd p99.9': o.herding.p999,
        'herd max': o.herding.max,
        'calls max/mean': Number(o.spread.maxOverMean.toFixed(2)),
      });
  }
  print('Herding under stale reports: 100 clients × 100 nodes, 80% load', rows);
  await writePng(
    lineChart('p99 as load reports grow stale (100 × 100, 80% load)', rows, {
      x: 'stale ms',
      y: 'p99 ms',
      color: 'balancer',
      logY: true,
    }),
    path.join(docs, 'scale-stale.png'),
  );
}

/** 100 clients × 1,000 nodes, 10% of them 5x slower. */
async function slow(): Promise<void> {
  const scenario: Scenario = {
    name: 'slow nodes',
    nodes: [
      { name: 'fast', count: 900, serviceMs: 10, distribution: 'exponential', workers: 2, weight: 5 },
      { name: 'slow', count: 100, serviceMs: 50, distribution: 'exponential', workers: 2, weight: 1 },
    ],
    clients: { count: 100, mode: 'open', ratePerSecond: 1100 },
    balancers: ['roundRobin', 'leastLoad', { name: 'weighted', label: 'weighted 5:1 (oracle)' }],
    warmupMs: 500,
    durationMs: 2000,
  };
  const rows: Row[] = [];
  for (const reports of [false, true]) {
    const list = await outcomes({ ...scenario, ...(reports ? { reports: { intervalMs: 200, staleMs: 0 } } : {}) });
    for (const o of list) {
      if (reports && o.balancer !== 'leastLoad') continue;
      rows.push({
        balancer: reports ? 'leastLoad + reports' : o.balancer,
        'p50 ms': Number(o.latencyMs.p50.toFixed(1)),
        'p99 ms': Number(o.latencyMs.p99.toFixed(1)),
        'p99.9 ms': Number(o.latencyMs.p999.toFixed(1)),
        'slow share': `${(100 * o.shares.slow!).toFixed(1)}%`,
      });
    }
  }
  print('100 clients × 1,000 nodes, 10% of them 5x slower, 60% load (slow nodes: 2.2% of capacity)', rows);
  await writePng(
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: 'p99 with 10% slow nodes (100 clients × 1,000 nodes)',
      width: 420,
      height: 220,
      data: { values: rows },
      mark: 'bar',
      encoding: {
        y: { field: 'balancer', type: 'nominal', sort: null },
        x: { field: 'p99 ms', type: 'quantitative' },
      },
    },
    path.join(docs, 'scale-slow-nodes.png'),
  );
}

const all = { subsets, choices, stale, slow } as const;
const chosen = process.argv.slice(2);
for (const name of chosen.length === 0 ? Object.keys(all) : chosen) {
  const run = all[name as keyof typeof all];
  if (run === undefined) throw new Error(`unknown finding "${name}"; known: ${Object.keys(all).join(', ')}`);
  await run();
}
