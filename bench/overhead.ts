/**
 * Overhead: Switchboard `roundRobin()` against a plain grpc-js client (proto-loader,
 * `round_robin` policy) on the same 3 nodes, unary 64-byte echo, closed loop of 64 calls
 * in flight. The nodes run in a child process so this process measures client cost. The
 * two clients alternate over several rounds and the medians are compared (DESIGN §10:
 * ratio ≥ 0.95). Run: `npx tsx bench/overhead.ts [seconds-per-round] [rounds]`.
 */
import { balancers, createClient } from 'switchboard';
import { plainGreeterClient } from '../src/cli/grpc-js-baseline.js';
import { type LoadResult, runClosedLoop } from '../src/cli/load-loop.js';
import { formatTable } from '../src/cli/table.js';
import { Greeter } from '../src/gen/demo/greeter.js';
import { spawnGreeterNodes } from './spawn-nodes.js';

const CONCURRENCY = 64;
const NAME = 'x'.repeat(64);

/** Median calls/s of each client and their ratio. */
export interface OverheadResult {
  readonly grpcJs: number;
  readonly switchboard: number;
  readonly ratio: number;
  readonly table: string;
}

export async function runOverhead(seconds = 3, rounds = 3): Promise<OverheadResult> {
  const nodes = await spawnGreeterNodes(3);
  const plain = plainGreeterClient(nodes.addresses);
  const client = createClient(Greeter, { endpoints: nodes.addresses, balancer: balancers.roundRobin(), deadlineMs: 5000 });
  const load = (call: () => Promise<string>) =>
    runClosedLoop({ concurrency: CONCURRENCY, durationMs: seconds * 1000, maxCalls: 1_000_000, call });
  const runs: { grpcJs: LoadResult[]; switchboard: LoadResult[] } = { grpcJs: [], switchboard: [] };
  try {
    // Warm both up (connections, JIT) before measuring.
    await load(async () => (await plain.sayHello(NAME, 5000)).nodeId);
    await load(async () => (await client.sayHello({ name: NAME })).nodeId);
    for (let round = 0; round < rounds; round++) {
      runs.grpcJs.push(await load(async () => (await plain.sayHello(NAME, 5000)).nodeId));
      runs.switchboard.push(await load(async () => (await client.sayHello({ name: NAME })).nodeId));
    }
  } finally {
    plain.close();
    await client.close();
    await nodes.stop();
  }
  const grpcJs = median(runs.grpcJs.map((r) => r.rps));
  const switchboard = median(runs.switchboard.map((r) => r.rps));
  const row = (name: string, results: LoadResult[], rps: number) => [
    name,
    rps.toFixed(0),
    results.map((r) => r.rps.toFixed(0)).join(' '),
    median(results.map((r) => r.latencyMs.p50)).toFixed(2),
    median(results.map((r) => r.latencyMs.p99)).toFixed(2),
    String(results.reduce((sum, r) => sum + r.failed, 0)),
    `${(rps / grpcJs).toFixed(3)}`,
  ];
  const table = formatTable(
    ['client', 'median calls/s', 'rounds', 'p50 ms', 'p99 ms', 'failed', 'ratio'],
    [row('grpc-js round_robin', runs.grpcJs, grpcJs), row('switchboard roundRobin()', runs.switchboard, switchboard)],
  );
  return { grpcJs, switchboard, ratio: switchboard / grpcJs, table };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runOverhead(Number(process.argv[2] ?? 3), Number(process.argv[3] ?? 3));
  console.log(`Overhead: unary 64-byte echo, 3 nodes, ${CONCURRENCY} calls in flight\n`);
  console.log(result.table);
}
