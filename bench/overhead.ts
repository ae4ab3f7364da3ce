/**
 * Overhead, two comparisons, each measured by alternating its two sides over several
 * rounds (unary 64-byte echo, 3 nodes in child processes, closed loop of 64 calls in
 * flight). Each round runs both sides back to back, in turn first (A B, B A, ...), and
 * gives one ratio; the result is the median of the rounds' ratios, with their quartiles:
 * pairing adjacent runs cancels the machine's slow drifts, which on a shared VM move a
 * single run's calls/s by ±10%.
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
import { type NodesProcess, spawnGreeterNodes } from './spawn-nodes.js';

const CONCURRENCY = 64;
const NAME = 'x'.repeat(64);

/** One comparison: the medians of the rounds' ratios (second / first), with quartiles. */
export interface Comparison {
  /** Calls/s. */
  readonly ratio: number;
  readonly quartiles: readonly [number, number];
  /** CPU time per call of the benchmark process (the clients). */
  readonly clientCpuRatio: number;
  /** CPU time per call of the node process. */
  readonly nodeCpuRatio: number;
  readonly table: string;
}

interface Side {
  readonly name: string;
  readonly nodes: NodesProcess;
  readonly call: () => Promise<string>;
}

/** One run of a side: calls/s, latency, and CPU µs per call on each end. */
interface Run {
  readonly result: LoadResult;
  readonly clientMicros: number;
  readonly nodeMicros: number;
}

/**
 * Warms both sides up, then runs them back to back for `rounds` rounds of `seconds`, in
 * turn first. Beside calls/s it takes the CPU time per call of the client and of the node
 * process: on a shared machine a run's throughput moves by ±10% with what else runs, its
 * CPU per call far less.
 */
async function compare(first: Side, second: Side, seconds: number, rounds: number): Promise<Comparison> {
  const run = async (side: Side): Promise<Run> => {
    const client0 = process.cpuUsage();
    const node0 = await side.nodes.cpuMicros();
    const result = await runClosedLoop({ concurrency: CONCURRENCY, durationMs: seconds * 1000, maxCalls: 1_000_000, call: side.call });
    const node1 = await side.nodes.cpuMicros();
    const client = process.cpuUsage(client0);
    const calls = Math.max(1, result.completed);
    return { result, clientMicros: (client.user + client.system) / calls, nodeMicros: (node1 - node0) / calls };
  };
  const runs: [Run[], Run[]] = [[], []];
  // Warm both up (connections, JIT) before measuring.
  await run(first);
  await run(second);
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      runs[0].push(await run(first));
      runs[1].push(await run(second));
    } else {
      runs[1].push(await run(second));
      runs[0].push(await run(first));
    }
  }
  const per = (pick: (r: Run) => number) => runs[1].map((r, i) => pick(r) / pick(runs[0][i]!));
  const ratios = per((r) => r.result.rps);
  const row = (side: Side, sideRuns: Run[]) => [
    side.name,
    median(sideRuns.map((r) => r.result.rps)).toFixed(0),
    sideRuns.map((r) => r.result.rps.toFixed(0)).join(' '),
    median(sideRuns.map((r) => r.result.latencyMs.p50)).toFixed(2),
    median(sideRuns.map((r) => r.result.latencyMs.p99)).toFixed(2),
    median(sideRuns.map((r) => r.clientMicros)).toFixed(1),
    median(sideRuns.map((r) => r.nodeMicros)).toFixed(1),
    String(sideRuns.reduce((sum, r) => sum + r.result.failed, 0)),
  ];
  const table = formatTable(
    ['client', 'median calls/s', 'rounds', 'p50 ms', 'p99 ms', 'client µs/call', 'nodes µs/call', 'failed'],
    [row(first, runs[0]), row(second, runs[1])],
  );
  return {
    ratio: median(ratios),
    quartiles: [quantile(ratios, 0.25), quantile(ratios, 0.75)],
    clientCpuRatio: median(per((r) => r.clientMicros)),
    nodeCpuRatio: median(per((r) => r.nodeMicros)),
    table: `${table}\ncalls/s ratio per round: ${ratios.map((r) => r.toFixed(3)).join(' ')}`,
  };
}

/** The ratio lines printed under a comparison. */
export function ratioSummary(name: string, comparison: Comparison): string {
  const [q1, q3] = comparison.quartiles;
  return [
    `${name}: calls/s ${comparison.ratio.toFixed(3)} (median of the rounds; quartiles ${q1.toFixed(3)}–${q3.toFixed(3)}; target ≥ 0.95)`,
    `CPU per call: clients ${comparison.clientCpuRatio.toFixed(3)}x, nodes ${comparison.nodeCpuRatio.toFixed(3)}x`,
  ].join('\n');
}

/** Switchboard `roundRobin()` against plain grpc-js on the same nodes. */
export async function runOverhead(seconds = 3, rounds = 3): Promise<Comparison> {
  const nodes = await spawnGreeterNodes(3);
  const plain = plainGreeterClient(nodes.addresses);
  const client = createClient(Greeter, { endpoints: nodes.addresses, balancer: balancers.roundRobin(), deadlineMs: 5000 });
  try {
    return await compare(
      { name: 'grpc-js round_robin', nodes, call: async () => (await plain.sayHello(NAME, 5000)).nodeId },
      { name: 'switchboard roundRobin()', nodes, call: async () => (await client.sayHello({ name: NAME })).nodeId },
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
      { name: 'nodes with loadReport: false', nodes: quiet, call: async () => (await toQuiet.sayHello({ name: NAME })).nodeId },
      { name: 'nodes with load reports (default)', nodes: reporting, call: async () => (await toReporting.sayHello({ name: NAME })).nodeId },
      seconds,
      rounds,
    );
  } finally {
    await Promise.all([toQuiet.close(), toReporting.close()]);
    await Promise.all([quiet.stop(), reporting.stop()]);
  }
}

function median(values: number[]): number {
  return quantile(values, 0.5);
}

/** The q-quantile, interpolated between the two nearest values. */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low]! + (sorted[Math.min(low + 1, sorted.length - 1)]! - sorted[low]!) * (at - low);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = Number(process.argv[2] ?? 3);
  const rounds = Number(process.argv[3] ?? 3);
  console.log(`Overhead: unary 64-byte echo, 3 nodes, ${CONCURRENCY} calls in flight, ${rounds} alternating rounds of ${seconds} s\n`);
  const overhead = await runOverhead(seconds, rounds);
  console.log(`${overhead.table}\n\n${ratioSummary('switchboard / grpc-js', overhead)}`);
  console.log('\nLoad reports: what the per-call ORCA trailer costs the nodes\n');
  const reports = await runReportCost(seconds, rounds);
  console.log(`${reports.table}\n\n${ratioSummary('with reports / without', reports)}`);
}
