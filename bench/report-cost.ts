/**
 * Load reports: what the per-call ORCA trailer costs a node's throughput (issue 9: ≤ 5%).
 *
 * Two single-node processes share one CPU (the last) and are loaded at the same time, each
 * by its own h2load (bench/h2load.ts) on the other CPU, with 128 calls in flight (unary
 * 64-byte echo). Both always have calls waiting, so the scheduler gives each half of the
 * CPU, and the calls each one answers in a round are its throughput under the very same
 * conditions: their ratio is what the one costs over the other. On this kind of shared VM
 * a node's calls/s moves by ±30% from one run to the next; run side by side, an A/A pair of
 * identical nodes stays within a few percent, and that pair is printed first to show the
 * noise that is left. The pairs:
 *
 * - A/A: two Switchboard nodes with `loadReport: false`;
 * - reports: a node with `loadReport: false` against one with reports (the default);
 * - the same trailer on plain grpc-js: a plain grpc-js server against one that sends with
 *   every response the trailer a Switchboard node sends (what grpc-js and Node's HTTP/2
 *   take for it, without Switchboard's code);
 * - any trailer on plain grpc-js: the same against a server that sends a constant
 *   two-character text trailer.
 *
 * Run: `npx tsx bench/report-cost.ts [seconds-per-round] [rounds]`.
 */
import { formatTable } from '../src/cli/table.js';
import { Greeter } from '../src/gen/demo/greeter.js';
import { methodCodec } from '../src/schema/codec.js';
import { findH2load, grpcBodyFile, h2loadCallsPerSecond, type Runnable } from './h2load.js';
import { median, quantile } from './quantile.js';
import { type Flavour, type NodesProcess, pinsProcesses, spawnGreeterNodes } from './spawn-nodes.js';

const IN_FLIGHT = 128;
const METHOD = '/demo.Greeter/SayHello';

/** The benchmark's heading (the rounds are added by the caller). */
export const REPORT_COST_TITLE =
  'Load reports: two single-node processes on one CPU, ' +
  `loaded at once by h2load (${IN_FLIGHT} calls in flight each)`;

/** Two kinds of node compared, the first side against the second. */
export interface NodePair {
  readonly name: string;
  readonly sides: readonly [Flavour, Flavour];
}

/** The pairs compared, first side against second. */
const PAIRS: readonly NodePair[] = [
  { name: 'A/A: loadReport: false, twice', sides: ['quiet', 'quiet'] },
  { name: 'Switchboard: loadReport: false / reports on', sides: ['quiet', 'switchboard'] },
  { name: 'plain grpc-js: no trailer / the same trailer', sides: ['plain', 'plain-report'] },
  { name: 'plain grpc-js: no trailer / a 2-character one', sides: ['plain', 'plain-tiny'] },
];

/** One pair's result: the second side's throughput over the first's, per round. */
interface PairResult {
  readonly ratios: readonly number[];
  readonly cpuRatios: readonly number[];
  readonly callsPerSecond: readonly [number, number];
}

/** What one side did in a round. */
interface SideRound {
  readonly callsPerSecond: number;
  /** CPU µs of the node process per call. */
  readonly cpuPerCall: number;
}

/**
 * Both sides under load at once for `seconds`; `secondFirst` starts the second side's load
 * first (rounds take turns).
 */
async function round(
  h2load: Runnable,
  sides: readonly [NodesProcess, NodesProcess],
  body: string,
  seconds: number,
  secondFirst: boolean,
): Promise<[SideRound, SideRound]> {
  const before = await Promise.all(sides.map(async (n) => ({ calls: await n.calls(), cpu: await n.cpuMicros() })));
  const started = performance.now();
  const loads: Promise<number>[] = [];
  for (const i of secondFirst ? [1, 0] : [0, 1]) {
    loads[i] = h2loadCallsPerSecond(
      h2load,
      { address: sides[i]!.addresses[0]!, method: METHOD, body },
      seconds,
      IN_FLIGHT,
    );
  }
  const sent = await Promise.all(loads);
  const elapsed = (performance.now() - started) / 1000;
  const [first, second] = await Promise.all(
    sides.map(async (n, i): Promise<SideRound> => {
      const calls = (await n.calls()) - before[i]!.calls;
      // h2load counts HTTP statuses only: a gRPC error would be a success to it.
      if (calls < sent[i]! * seconds * 0.9)
        throw new Error(
          `report-cost: the ${i === 0 ? 'first' : 'second'} node answered ${calls} SayHello calls ` +
            `of about ${Math.round(sent[i]! * seconds)} sent`,
        );
      return { callsPerSecond: calls / elapsed, cpuPerCall: ((await n.cpuMicros()) - before[i]!.cpu) / calls };
    }),
  );
  return [first!, second!];
}

async function comparePair(
  h2load: Runnable,
  sides: readonly [Flavour, Flavour],
  body: string,
  seconds: number,
  rounds: number,
): Promise<PairResult> {
  const nodes = (await Promise.all(sides.map((flavour) => spawnGreeterNodes(1, flavour)))) as [
    NodesProcess,
    NodesProcess,
  ];
  try {
    await round(h2load, nodes, body, seconds, false); // warm-up: the nodes' JIT
    const results: [SideRound, SideRound][] = [];
    for (let i = 0; i < rounds; i++) results.push(await round(h2load, nodes, body, seconds, i % 2 === 1));
    return {
      ratios: results.map(([a, b]) => b.callsPerSecond / a.callsPerSecond),
      cpuRatios: results.map(([a, b]) => b.cpuPerCall / a.cpuPerCall),
      callsPerSecond: [
        median(results.map(([a]) => a.callsPerSecond)),
        median(results.map(([, b]) => b.callsPerSecond)),
      ],
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

/** Runs every pair; returns the table, or why it could not run. */
export function runReportCost(seconds = 3, rounds = 10): Promise<string> {
  return runNodePairs(PAIRS, seconds, rounds);
}

/**
 * Runs `pairs`, each two single-node processes on one CPU loaded at once; returns the
 * table, or why it could not run.
 */
export async function runNodePairs(pairs: readonly NodePair[], seconds: number, rounds: number): Promise<string> {
  const h2load = findH2load();
  if ('missing' in h2load) return `skipped: ${h2load.missing}`;
  const body = grpcBodyFile(
    'say-hello-64',
    methodCodec(Greeter, Greeter.methods.sayHello).serializeRequest({ name: 'x'.repeat(64) }),
  );
  const rows = [];
  for (const pair of pairs) {
    const result = await comparePair(h2load, pair.sides, body, seconds, rounds);
    rows.push([
      pair.name,
      result.callsPerSecond.map((c) => c.toFixed(0)).join(' / '),
      median(result.ratios).toFixed(3),
      `${quantile(result.ratios, 0.25).toFixed(3)}–${quantile(result.ratios, 0.75).toFixed(3)}`,
      median(result.cpuRatios).toFixed(3),
    ]);
  }
  const table = formatTable(
    ['pair (first / second)', 'calls/s, median', 'throughput ratio', 'quartiles', 'CPU/call ratio'],
    rows,
  );
  return pinsProcesses()
    ? table
    : `${table}\n(taskset is not available: the two nodes did not share one CPU, so the ratios are not throughputs)`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = Number(process.argv[2] ?? 3);
  const rounds = Number(process.argv[3] ?? 10);
  console.log(`${REPORT_COST_TITLE}, ${rounds} rounds of ${seconds} s\n`);
  console.log(await runReportCost(seconds, rounds));
}
