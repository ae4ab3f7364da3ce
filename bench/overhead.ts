/**
 * Overhead: Switchboard `roundRobin()` against a plain grpc-js client (proto-loader,
 * `round_robin` policy) on the same 3 nodes in a child process, unary 64-byte echo, closed
 * loop of 64 calls in flight (docs/design.md, quality bars: ratio ≥ 0.95). Each client runs in a child
 * process of its own (bench/overhead-client.ts), as it would in an application: in one
 * process, two clients' hot paths share grpc-js' compiled code and shape each other's
 * speed. Each round runs both sides back to back, in turn first (A B, B A, ...), and gives
 * one ratio; the result is the median of the rounds' ratios, with their quartiles: pairing
 * adjacent runs cancels the machine's slow drifts, which on a shared VM move a single
 * run's calls/s by ±10%. What the nodes' load reports cost is bench/report-cost.ts.
 *
 * Run: `npx tsx bench/overhead.ts [seconds-per-round] [rounds] [adaptive]` (`adaptive`:
 * the Switchboard client with `concurrencyLimit: 'adaptive'`).
 */
import { formatTable } from '../src/cli/table.js';
import type { ClientRun } from './overhead-client.js';
import { median, quantile } from './quantile.js';
import { type ClientProcess, type NodesProcess, spawnClient, spawnGreeterNodes } from './spawn-nodes.js';

const CONCURRENCY = 64;

/** One comparison: the medians of the rounds' ratios (second / first), with quartiles. */
export interface Comparison {
  /** Calls/s. */
  readonly ratio: number;
  readonly quartiles: readonly [number, number];
  /** CPU time per call of the client process. */
  readonly clientCpuRatio: number;
  /** CPU time per call of the node process. */
  readonly nodeCpuRatio: number;
  readonly table: string;
}

interface Side {
  readonly name: string;
  readonly nodes: NodesProcess;
  readonly client: ClientProcess;
}

/** One run of a side: its client's report, and the node process's CPU µs per call. */
interface Run extends ClientRun {
  readonly nodeMicros: number;
}

/**
 * Runs both sides back to back for `rounds` rounds of `seconds`, in turn first (the
 * clients warmed up when they started). Beside calls/s it takes the CPU time per call of
 * the client and of the node process: on a shared machine a run's throughput moves by
 * ±10% with what else runs, its CPU per call less.
 */
async function compare(first: Side, second: Side, seconds: number, rounds: number): Promise<Comparison> {
  const run = async (side: Side): Promise<Run> => {
    const node0 = await side.nodes.cpuMicros();
    const client = await side.client.run(seconds);
    const node1 = await side.nodes.cpuMicros();
    return { ...client, nodeMicros: (node1 - node0) / Math.max(1, client.calls) };
  };
  const runs: [Run[], Run[]] = [[], []];
  // Warm the nodes up (their JIT) before measuring.
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
  const ratios = per((r) => r.rps);
  const row = (side: Side, sideRuns: Run[]) => [
    side.name,
    median(sideRuns.map((r) => r.rps)).toFixed(0),
    sideRuns.map((r) => r.rps.toFixed(0)).join(' '),
    median(sideRuns.map((r) => r.p50)).toFixed(2),
    median(sideRuns.map((r) => r.p99)).toFixed(2),
    median(sideRuns.map((r) => r.cpuMicros)).toFixed(1),
    median(sideRuns.map((r) => r.nodeMicros)).toFixed(1),
    String(sideRuns.reduce((sum, r) => sum + r.failed, 0)),
  ];
  const table = formatTable(
    ['client', 'median calls/s', 'rounds', 'p50 ms', 'p99 ms', 'client µs/call', 'nodes µs/call', 'failed'],
    [row(first, runs[0]), row(second, runs[1])],
  );
  return {
    ratio: median(ratios),
    quartiles: [quantile(ratios, 0.25), quantile(ratios, 0.75)],
    clientCpuRatio: median(per((r) => r.cpuMicros)),
    nodeCpuRatio: median(per((r) => r.nodeMicros)),
    table: `${table}\ncalls/s ratio per round: ${ratios.map((r) => r.toFixed(3)).join(' ')}`,
  };
}

/** The ratio lines printed under a comparison. */
export function ratioSummary(name: string, comparison: Comparison): string {
  const [q1, q3] = comparison.quartiles;
  return [
    `${name}: calls/s ${comparison.ratio.toFixed(3)} ` +
      `(median of the rounds; quartiles ${q1.toFixed(3)}–${q3.toFixed(3)}; target ≥ 0.95)`,
    `CPU per call: clients ${comparison.clientCpuRatio.toFixed(3)}x, nodes ${comparison.nodeCpuRatio.toFixed(3)}x`,
  ].join('\n');
}

/**
 * Switchboard `roundRobin()` (with an adaptive concurrency limit, if `adaptive`) against plain
 * grpc-js on the same nodes.
 */
export async function runOverhead(seconds = 3, rounds = 3, adaptive = false): Promise<Comparison> {
  const nodes = await spawnGreeterNodes(3);
  const [plain, switchboard] = await Promise.all([
    spawnClient('grpc-js', nodes.addresses, CONCURRENCY),
    spawnClient(adaptive ? 'switchboard-adaptive' : 'switchboard', nodes.addresses, CONCURRENCY),
  ]);
  try {
    return await compare(
      { name: 'grpc-js round_robin', nodes, client: plain },
      {
        name: `switchboard roundRobin()${adaptive ? ", concurrencyLimit 'adaptive'" : ''}`,
        nodes,
        client: switchboard,
      },
      seconds,
      rounds,
    );
  } finally {
    await Promise.all([plain.stop(), switchboard.stop()]);
    await nodes.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = Number(process.argv[2] ?? 3);
  const rounds = Number(process.argv[3] ?? 3);
  const adaptive = process.argv[4] === 'adaptive';
  console.log(
    `Overhead: unary 64-byte echo, 3 nodes, ${CONCURRENCY} calls in flight, ` +
      `${rounds} alternating rounds of ${seconds} s\n`,
  );
  const overhead = await runOverhead(seconds, rounds, adaptive);
  console.log(`${overhead.table}\n\n${ratioSummary('switchboard / grpc-js', overhead)}`);
}
