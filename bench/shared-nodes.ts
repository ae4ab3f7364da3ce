/**
 * Shared nodes: the heterogeneous nodes (one worker each, 2/2/6 ms) called by several
 * independent clients at once — 4 clients of each contender, 8 calls in flight each (32 in
 * all, as in bench/heterogeneous.ts). A client now sees only its own quarter of each
 * node's queue: the nodes' per-call load reports (their in-flight count of every caller's
 * calls) are what Switchboard clients on Switchboard nodes have that the others lack.
 * Printed per contender: calls/s of all clients together, share of capacity, p50/p99 over
 * every call, and the node shares. The contenders alternate over the rounds.
 * Run: `npx tsx bench/shared-nodes.ts [seconds-per-run] [rounds]`.
 */
import { formatTable } from '../src/cli/table.js';
import { LatencyHistogram } from '../src/observability/latency-histogram.js';
import { type Contender, contenders, type Driver, oracle } from './contenders.js';
import { CONCURRENCY, load, mean, nodeShares } from './heterogeneous.js';
import { spawnWorkerNodes } from './spawn-nodes.js';

export const CLIENTS = 4;
const SERVICE_MS = [2, 2, 6];
const WARMUP_MS = 1500;
const IDS = ['node-a', 'node-b', 'node-c'];

interface Run {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly perNode: Readonly<Record<string, number>>;
  readonly completed: number;
  readonly failed: number;
}

/** Every client in its own closed loop of CONCURRENCY / CLIENTS calls, all at once, for `ms`. */
async function loadAll(drivers: readonly Driver[], ms: number, capacity: number): Promise<Run> {
  const latency = new LatencyHistogram();
  const results = await Promise.all(
    drivers.map((driver) =>
      load(
        {
          call: async () => {
            const t0 = performance.now();
            const node = await driver.call();
            latency.record(performance.now() - t0);
            return node;
          },
          close: driver.close,
        },
        ms,
        capacity,
        CONCURRENCY / drivers.length,
      ),
    ),
  );
  const perNode: Record<string, number> = {};
  for (const r of results) for (const [id, n] of Object.entries(r.perNode)) perNode[id] = (perNode[id] ?? 0) + n;
  const summary = latency.summary();
  return {
    rps: results.reduce((sum, r) => sum + r.rps, 0),
    p50: summary.p50,
    p99: summary.p99,
    perNode,
    completed: results.reduce((sum, r) => sum + r.completed, 0),
    failed: results.reduce((sum, r) => sum + r.failed, 0),
  };
}

export interface SharedNodesResult {
  readonly table: string;
  readonly summary: string;
}

export async function runSharedNodes(seconds = 4, rounds = 2): Promise<SharedNodesResult> {
  const capacity = SERVICE_MS.reduce((sum, ms) => sum + 1000 / ms, 0);
  // nginx is a proxy shared by every client, not a client-side balancer: bench/heterogeneous.ts covers it.
  const list: Contender[] = [
    ...contenders().filter((c) => !c.name.startsWith('nginx') && c.name !== 'roundRobin()'),
    oracle(SERVICE_MS),
  ];
  const nodes = await spawnWorkerNodes(SERVICE_MS);
  const runs: Run[][] = list.map(() => []);
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [i, contender] of list.entries()) {
        const drivers = await Promise.all(Array.from({ length: CLIENTS }, () => contender.start(nodes)));
        try {
          await loadAll(drivers, WARMUP_MS, capacity);
          runs[i]!.push(await loadAll(drivers, seconds * 1000, capacity));
        } finally {
          await Promise.all(drivers.map((d) => d.close()));
        }
      }
    }
  } finally {
    await nodes.stop();
  }
  const measured = list.map((contender, i) => {
    const r = runs[i]!;
    return {
      contender,
      rps: mean(r.map((x) => x.rps)),
      p50: mean(r.map((x) => x.p50)),
      p99: mean(r.map((x) => x.p99)),
      runs: r,
    };
  });
  const peers = measured.filter((m) => m.contender.peer);
  const bestP99 = Math.min(...peers.map((m) => m.p99));
  const table = formatTable(
    ['clients', 'nodes', 'calls/s', 'of capacity', 'p50 ms', 'p99 ms', 'p99 vs best peer', ...IDS, 'failed'],
    measured.map((m) => {
      return [
        `${CLIENTS} x ${m.contender.name}`,
        m.contender.nodes,
        m.rps.toFixed(0),
        (m.rps / capacity).toFixed(3),
        m.p50.toFixed(1),
        m.p99.toFixed(1),
        `${(m.p99 / bestP99).toFixed(2)}x`,
        ...nodeShares(m.runs, IDS),
        String(m.runs.reduce((sum, r) => sum + r.failed, 0)),
      ];
    }),
  );
  const find = (name: string) => measured.find((m) => m.contender.name === name)!;
  const reported = find('leastLoad() + reports');
  const versus = (name: string) => {
    const other = find(name);
    return (
      `leastLoad() + reports vs ${name} on ${other.contender.nodes} nodes: ` +
      `p99 ${(reported.p99 / other.p99).toFixed(2)}x, rps ${(reported.rps / other.rps).toFixed(3)}x`
    );
  };
  const summary = [
    `capacity ${capacity.toFixed(0)} calls/s; best peer p99 ${bestP99.toFixed(1)} ms`,
    versus('leastLoad(), no reports'),
    versus('leastLoad()'),
    `leastLoad() + reports vs best peer: p99 ${(reported.p99 / bestP99).toFixed(2)}x`,
  ].join('\n');
  return { table, summary };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = Number(process.argv[2] ?? 4);
  const rounds = Number(process.argv[3] ?? 2);
  const result = await runSharedNodes(seconds, rounds);
  console.log(
    `Shared nodes: ${CLIENTS} clients of each kind at once, ${CONCURRENCY / CLIENTS} calls in flight each, ` +
      `on one worker per node at 2/2/6 ms, ${rounds} alternating rounds of ${seconds} s\n`,
  );
  console.log(result.table);
  console.log(`\n${result.summary}`);
}
