/**
 * Heterogeneous nodes: 3 single-worker nodes with service times 2, 2 and 6 ms (capacity
 * 500 + 500 + 167 calls/s) in a child process, a closed loop of 32 calls in flight, and
 * every contender of bench/contenders.ts: grpc-js `round_robin` and `weighted_round_robin`
 * (ORCA out-of-band reports), a join-the-shortest-queue client, nginx `least_conn`, and
 * Switchboard's balancers with and without the nodes' load reports; plus static weights
 * equal to the capacity ratio, the reference for the tail. Each contender warms up (WRR's
 * blackout passes) and is then measured; the contenders alternate over the rounds and the
 * rounds' figures are averaged. The targets (docs/design.md, quality bars) for `leastLoad()` on plain nodes: ≥ 0.95
 * of capacity, ≥ 2x grpc-js round_robin, rps ≥ 0.97x and p99 ≤ 1.1x the best peer.
 * Run: `npx tsx bench/heterogeneous.ts [seconds-per-run] [rounds]`.
 */
import { type LoadResult, runClosedLoop } from '../src/cli/load-loop.js';
import { formatTable } from '../src/cli/table.js';
import { type Contender, contenders, type Driver, oracle } from './contenders.js';
import { spawnWorkerNodes, type WorkerNodesProcess } from './spawn-nodes.js';

export const CONCURRENCY = 32;
const SERVICE_MS = [2, 2, 6];
const WARMUP_MS = 1500;

/** One contender's runs. */
export interface Measured {
  readonly contender: Contender;
  readonly runs: LoadResult[];
}

/**
 * Runs `driver` in a closed loop of `concurrency` calls for `ms` (bounded by calls too:
 * twice what `capacity` serves).
 */
export function load(driver: Driver, ms: number, capacity: number, concurrency = CONCURRENCY): Promise<LoadResult> {
  return runClosedLoop({
    concurrency,
    durationMs: ms,
    maxCalls: Math.ceil((capacity * ms) / 1000) * 2,
    call: () => driver.call(),
  });
}

/** Each contender once per round, in the same order every round; `measure` runs after the warm-up. */
export async function alternate<T>(
  list: readonly Contender[],
  rounds: number,
  nodes: WorkerNodesProcess,
  measure: (driver: Driver, contender: Contender) => Promise<T>,
): Promise<T[][]> {
  const results: T[][] = list.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, contender] of list.entries()) {
      const driver = await contender.start(nodes);
      try {
        results[i]!.push(await measure(driver, contender));
      } finally {
        await driver.close();
      }
    }
  }
  return results;
}

/** A call started at `at` ms after the recording began, served by `node`. */
export interface RecordedCall {
  readonly at: number;
  readonly node: string;
}

/** `driver`, also pushing each completed call onto `calls`, timed from `t0` (`performance.now()`). */
export function recording(driver: Driver, t0: number, calls: RecordedCall[]): Driver {
  return {
    call: async () => {
      const at = performance.now() - t0;
      const node = await driver.call();
      calls.push({ at, node });
      return node;
    },
    close: driver.close,
  };
}

export const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

/** Each node's share of the successful calls over `runs`, as table cells ("43%"). */
export function nodeShares(
  runs: readonly Pick<LoadResult, 'perNode' | 'completed' | 'failed'>[],
  ids: readonly string[],
): string[] {
  const done = runs.reduce((sum, r) => sum + r.completed - r.failed, 0);
  return ids.map(
    (id) => `${((100 * runs.reduce((sum, r) => sum + (r.perNode[id] ?? 0), 0)) / Math.max(1, done)).toFixed(0)}%`,
  );
}

export interface HeterogeneousResult {
  readonly table: string;
  readonly summary: string;
}

export async function runHeterogeneous(seconds = 4, rounds = 2): Promise<HeterogeneousResult> {
  const capacity = SERVICE_MS.reduce((sum, ms) => sum + 1000 / ms, 0);
  const list = [...contenders(), oracle(SERVICE_MS)];
  const nodes = await spawnWorkerNodes(SERVICE_MS);
  let results: LoadResult[][];
  try {
    results = await alternate(list, rounds, nodes, async (driver) => {
      await load(driver, WARMUP_MS, capacity);
      return load(driver, seconds * 1000, capacity);
    });
  } finally {
    await nodes.stop();
  }
  const measured = list.map((contender, i) => ({
    contender,
    rps: mean(results[i]!.map((r) => r.rps)),
    p50: mean(results[i]!.map((r) => r.latencyMs.p50)),
    p99: mean(results[i]!.map((r) => r.latencyMs.p99)),
    runs: results[i]!,
  }));
  const rr = measured[0]!;
  const peers = measured.filter((m) => m.contender.peer);
  const bestRps = Math.max(...peers.map((m) => m.rps));
  const bestP99 = Math.min(...peers.map((m) => m.p99));
  const ids = ['node-a', 'node-b', 'node-c'];
  const table = formatTable(
    [
      'client',
      'nodes',
      'calls/s',
      'of capacity',
      'vs round_robin',
      'p50 ms',
      'p99 ms',
      'p99 vs best peer',
      ...ids,
      'failed',
    ],
    measured.map((m) => {
      return [
        m.contender.name,
        m.contender.nodes,
        m.rps.toFixed(0),
        `${(m.rps / capacity).toFixed(3)}`,
        `${(m.rps / rr.rps).toFixed(2)}x`,
        m.p50.toFixed(1),
        m.p99.toFixed(1),
        `${(m.p99 / bestP99).toFixed(2)}x`,
        ...nodeShares(m.runs, ids),
        String(m.runs.reduce((sum, r) => sum + r.failed, 0)),
      ];
    }),
  );
  const line = (name: string) => {
    const m = measured.find((x) => x.contender.name === name)!;
    return (
      `${name} on ${m.contender.nodes} nodes: ${(m.rps / capacity).toFixed(3)} of capacity (target ≥ 0.95), ` +
      `${(m.rps / rr.rps).toFixed(2)}x round_robin (≥ 2), ` +
      `rps ${(m.rps / bestRps).toFixed(3)}x best peer (≥ 0.97), ` +
      `p99 ${(m.p99 / bestP99).toFixed(2)}x best peer (≤ 1.1; aim ~0.5)`
    );
  };
  const summary = [
    `capacity ${capacity.toFixed(0)} calls/s; best peer: ${bestRps.toFixed(0)} calls/s, p99 ${bestP99.toFixed(1)} ms`,
    line('leastLoad()'),
    line('leastLoad() + reports'),
    line('weighted({ dynamic }) + reports'),
  ].join('\n');
  return { table, summary };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = Number(process.argv[2] ?? 4);
  const rounds = Number(process.argv[3] ?? 2);
  const result = await runHeterogeneous(seconds, rounds);
  console.log(
    `Heterogeneous nodes: one worker each, 2/2/6 ms, ${CONCURRENCY} calls in flight, ` +
      `${rounds} alternating rounds of ${seconds} s\n`,
  );
  console.log(result.table);
  console.log(`\n${result.summary}`);
}
