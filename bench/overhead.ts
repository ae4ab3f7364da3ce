/**
 * Overhead, two comparisons, each measured by alternating its two sides over several
 * rounds and comparing the medians (unary 64-byte echo, 3 nodes in child processes, closed
 * loop of 64 calls in flight):
 *
 * - client: Switchboard `roundRobin()` against a plain grpc-js client (proto-loader,
 *   `round_robin` policy) on the same nodes (DESIGN §10: ratio ≥ 0.95);
 * - load reports: the same Switchboard client against nodes with `loadReport: false` and
 *   nodes with reports on (the default), i.e. what the per-call ORCA trailer costs the
 *   nodes (issue 9: ≤ 5%, ratio ≥ 0.95).
 *
 * Run: `npx tsx bench/overhead.ts [seconds-per-round] [rounds]`.
 */
import { balancers, createClient } from 'switchboard';
import { plainGreeterClient } from '../src/cli/grpc-js-baseline.js';
import { type LoadResult, runClosedLoop } from '../src/cli/load-loop.js';
import { formatTable } from '../src/cli/table.js';
import { Greeter } from '../src/gen/demo/greeter.js';
import { spawnGreeterNodes } from './spawn-nodes.js';

const CONCURRENCY = 64;
const NAME = 'x'.repeat(64);

/** Median calls/s of each side and their ratio (second / first). */
export interface Comparison {
  readonly first: number;
  readonly second: number;
  readonly ratio: number;
  readonly table: string;
}

interface Side {
  readonly name: string;
  readonly call: () => Promise<string>;
}

/** Warms both sides up, then alternates them for `rounds` rounds of `seconds`. */
async function compare(first: Side, second: Side, seconds: number, rounds: number): Promise<Comparison> {
  const load = (side: Side) =>
    runClosedLoop({ concurrency: CONCURRENCY, durationMs: seconds * 1000, maxCalls: 1_000_000, call: side.call });
  const runs: [LoadResult[], LoadResult[]] = [[], []];
  // Warm both up (connections, JIT) before measuring.
  await load(first);
  await load(second);
  for (let round = 0; round < rounds; round++) {
    runs[0].push(await load(first));
    runs[1].push(await load(second));
  }
  const medians = runs.map((results) => median(results.map((r) => r.rps))) as [number, number];
  const row = (side: Side, results: LoadResult[], rps: number) => [
    side.name,
    rps.toFixed(0),
    results.map((r) => r.rps.toFixed(0)).join(' '),
    median(results.map((r) => r.latencyMs.p50)).toFixed(2),
    median(results.map((r) => r.latencyMs.p99)).toFixed(2),
    String(results.reduce((sum, r) => sum + r.failed, 0)),
    `${(rps / medians[0]).toFixed(3)}`,
  ];
  const table = formatTable(
    ['client', 'median calls/s', 'rounds', 'p50 ms', 'p99 ms', 'failed', 'ratio'],
    [row(first, runs[0], medians[0]), row(second, runs[1], medians[1])],
  );
  return { first: medians[0], second: medians[1], ratio: medians[1] / medians[0], table };
}

/** Switchboard `roundRobin()` against plain grpc-js on the same nodes. */
export async function runOverhead(seconds = 3, rounds = 3): Promise<Comparison> {
  const nodes = await spawnGreeterNodes(3);
  const plain = plainGreeterClient(nodes.addresses);
  const client = createClient(Greeter, { endpoints: nodes.addresses, balancer: balancers.roundRobin(), deadlineMs: 5000 });
  try {
    return await compare(
      { name: 'grpc-js round_robin', call: async () => (await plain.sayHello(NAME, 5000)).nodeId },
      { name: 'switchboard roundRobin()', call: async () => (await client.sayHello({ name: NAME })).nodeId },
      seconds,
      rounds,
    );
  } finally {
    plain.close();
    await client.close();
    await nodes.stop();
  }
}

/** The same Switchboard client against nodes without and with load reports. */
export async function runReportCost(seconds = 3, rounds = 3): Promise<Comparison> {
  const [quiet, reporting] = await Promise.all([spawnGreeterNodes(3, { loadReport: false }), spawnGreeterNodes(3)]);
  const clientOf = (addresses: string[]) =>
    createClient(Greeter, { endpoints: addresses, balancer: balancers.roundRobin(), deadlineMs: 5000 });
  const [toQuiet, toReporting] = [clientOf(quiet.addresses), clientOf(reporting.addresses)];
  try {
    return await compare(
      { name: 'nodes with loadReport: false', call: async () => (await toQuiet.sayHello({ name: NAME })).nodeId },
      { name: 'nodes with load reports (default)', call: async () => (await toReporting.sayHello({ name: NAME })).nodeId },
      seconds,
      rounds,
    );
  } finally {
    await Promise.all([toQuiet.close(), toReporting.close()]);
    await Promise.all([quiet.stop(), reporting.stop()]);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = Number(process.argv[2] ?? 3);
  const rounds = Number(process.argv[3] ?? 3);
  console.log(`Overhead: unary 64-byte echo, 3 nodes, ${CONCURRENCY} calls in flight, ${rounds} alternating rounds of ${seconds} s\n`);
  console.log((await runOverhead(seconds, rounds)).table);
  console.log('\nLoad reports: what the per-call ORCA trailer costs the nodes\n');
  console.log((await runReportCost(seconds, rounds)).table);
}
