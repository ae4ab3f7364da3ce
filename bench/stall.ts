/**
 * Stalls: 3 plain grpc-js nodes with one worker each at 1 ms (bench/stall-node.ts, a
 * process each), a closed loop of 8 calls in flight, and
 * node-a frozen for 200 ms every second (SIGSTOP, then SIGCONT): what a GC pause or a
 * noisy neighbour does to the tail. A balancer learns only after calls are stuck behind
 * the stall, so every client without hedging sees ~200 ms at p99.9; hedging sends a stuck
 * call to another node after the delay (adaptive: p95 of the answered attempts' latency). Rows:
 * grpc-js `round_robin`, JSQ, `leastLoad()`, `leastLoad()` + hedging, and both Switchboard
 * rows without stalls (what hedging costs on a healthy cluster). Extra attempts: attempts
 * sent ÷ calls − 1. Targets: with hedging p99.9 ≤ 30 ms, extra attempts ≤ 10%, calls/s ≥
 * 0.95x `leastLoad()` alone; without stalls ≤ 3% extra attempts and the same p99.
 * Run: `npx tsx bench/stall.ts [seconds-per-row] [rounds]`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { balancers, createClient, type HedgingOptions, seededRandom } from 'switchboard';
import { runClosedLoop } from '../src/cli/load-loop.js';
import { formatTable } from '../src/cli/table.js';
import { Greeter } from '../src/gen/demo/greeter.js';
import { type Driver, grpcJsDriver, jsqDriver } from './contenders.js';
import { quantile } from './quantile.js';

const SERVICE_MS = 1;
const CONCURRENCY = 8;
const STALL_MS = 200;
const PERIOD_MS = 1000;
const WARMUP_MS = 1500;
const DEADLINE_MS = 5000;

export const STALL_TITLE =
  `Stalls: 3 plain grpc-js nodes (one worker, ${SERVICE_MS} ms), ${CONCURRENCY} calls in flight, ` +
  `node-a frozen ${STALL_MS} ms every ${PERIOD_MS / 1000} s (SIGSTOP/SIGCONT)`;

/** A client under test; `attempts` counts what it sent (grpc-js: one per call). */
interface StallDriver extends Driver {
  attempts?(): number;
}

interface Row {
  readonly name: string;
  readonly stalls: boolean;
  start(addresses: readonly string[]): Promise<StallDriver>;
}

function switchboard(hedging: HedgingOptions | undefined): Row['start'] {
  return async (addresses) => {
    const client = createClient(Greeter, {
      endpoints: [...addresses],
      balancer: balancers.leastLoad({ random: seededRandom(3) }),
      deadlineMs: DEADLINE_MS,
      hedging,
    });
    await client.ready({ all: true });
    return {
      call: async () => (await client.sayHello({ name: 'bench' })).nodeId,
      close: () => client.close(),
      attempts: () => client.stats().endpoints.reduce((n, e) => n + e.calls + e.inFlight, 0),
    };
  };
}

const HEDGING: HedgingOptions = { maxAttempts: 2 };

const ROWS: readonly Row[] = [
  { name: 'grpc-js round_robin', stalls: true, start: (a) => grpcJsDriver(a, 'round_robin') },
  { name: 'JSQ (least in-flight, grpc-js)', stalls: true, start: jsqDriver },
  { name: 'leastLoad()', stalls: true, start: switchboard(undefined) },
  { name: 'leastLoad() + hedging', stalls: true, start: switchboard(HEDGING) },
  { name: 'leastLoad(), no stalls', stalls: false, start: switchboard(undefined) },
  { name: 'leastLoad() + hedging, no stalls', stalls: false, start: switchboard(HEDGING) },
];

/** One node in a child process of its own, so it can be frozen. */
interface StallNode {
  readonly address: string;
  readonly child: ChildProcess;
}

async function spawnNode(id: string): Promise<StallNode> {
  const script = fileURLToPath(new URL('./stall-node.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, id, String(SERVICE_MS)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { address: JSON.parse(line) as string, child };
}

/** Freezes `node` for STALL_MS every PERIOD_MS until the returned function is called (which thaws it). */
function freezeEverySecond(node: StallNode): () => void {
  let thaw: NodeJS.Timeout | undefined;
  const cont = () => node.child.kill('SIGCONT');
  const timer = setInterval(() => {
    node.child.kill('SIGSTOP');
    thaw = setTimeout(cont, STALL_MS);
  }, PERIOD_MS);
  return () => {
    clearInterval(timer);
    clearTimeout(thaw);
    cont();
  };
}

/** One row's run: every call's latency, and the attempts its client sent. */
interface Run {
  readonly latencies: number[];
  readonly completed: number;
  readonly failed: number;
  readonly elapsedMs: number;
  readonly attempts: number | undefined;
}

interface Measured {
  readonly row: Row;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly extra: number | undefined;
  readonly failed: number;
}

async function measure(row: Row, nodes: readonly StallNode[], seconds: number): Promise<Run> {
  const driver = await row.start(nodes.map((n) => n.address));
  const stop = row.stalls ? freezeEverySecond(nodes[0]!) : () => {};
  try {
    const bound = (ms: number) => Math.ceil((3000 / SERVICE_MS) * (ms / 1000)) * 2;
    await runClosedLoop({
      concurrency: CONCURRENCY,
      durationMs: WARMUP_MS,
      maxCalls: bound(WARMUP_MS),
      call: driver.call,
    });
    const latencies: number[] = [];
    const before = driver.attempts?.();
    const result = await runClosedLoop({
      concurrency: CONCURRENCY,
      durationMs: seconds * 1000,
      maxCalls: bound(seconds * 1000),
      call: async () => {
        const t0 = performance.now();
        const node = await driver.call();
        latencies.push(performance.now() - t0);
        return node;
      },
    });
    const after = driver.attempts?.();
    return {
      latencies,
      completed: result.completed,
      failed: result.failed,
      elapsedMs: result.elapsedMs,
      attempts: before === undefined || after === undefined ? undefined : after - before,
    };
  } finally {
    stop();
    await driver.close();
  }
}

export interface StallResult {
  readonly table: string;
  readonly summary: string;
}

/** The rounds of one row pooled: latencies over all its calls, calls/s over all its time. */
function pooled(row: Row, runs: readonly Run[]): Measured {
  const latencies = runs.flatMap((r) => r.latencies);
  const completed = runs.reduce((n, r) => n + r.completed, 0);
  const failed = runs.reduce((n, r) => n + r.failed, 0);
  const elapsedMs = runs.reduce((n, r) => n + r.elapsedMs, 0);
  const attempts = runs.every((r) => r.attempts !== undefined) ? runs.reduce((n, r) => n + r.attempts!, 0) : undefined;
  return {
    row,
    rps: ((completed - failed) * 1000) / elapsedMs,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    p999: quantile(latencies, 0.999),
    max: latencies.reduce((a, b) => Math.max(a, b), 0),
    extra: attempts === undefined ? undefined : attempts / completed - 1,
    failed,
  };
}

/** Every row once per round, in the same order, on the same nodes (so drift of the machine spreads over all rows). */
export async function runStall(seconds = 5, rounds = 2): Promise<StallResult> {
  const nodes = await Promise.all(['node-a', 'node-b', 'node-c'].map(spawnNode));
  const runs: Run[][] = ROWS.map(() => []);
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [i, row] of ROWS.entries()) runs[i]!.push(await measure(row, nodes, seconds));
    }
  } finally {
    for (const node of nodes) {
      node.child.kill('SIGCONT');
      node.child.stdin!.end();
    }
    await Promise.all(nodes.map((n) => (n.child.exitCode === null ? once(n.child, 'exit') : undefined)));
  }
  const measured = ROWS.map((row, i) => pooled(row, runs[i]!));
  const byName = (name: string) => measured.find((m) => m.row.name === name)!;
  const alone = byName('leastLoad()');
  const ms = (x: number) => x.toFixed(1);
  const pct = (x: number | undefined) => (x === undefined ? '0 (none)' : `${(100 * x).toFixed(1)}%`);
  const table = formatTable(
    [
      'client',
      'stalls',
      'calls/s',
      'vs leastLoad',
      'p50 ms',
      'p99 ms',
      'p99.9 ms',
      'max ms',
      'extra attempts',
      'failed',
    ],
    measured.map((m) => [
      m.row.name,
      m.row.stalls ? 'yes' : 'no',
      m.rps.toFixed(0),
      `${(m.rps / alone.rps).toFixed(2)}x`,
      ms(m.p50),
      ms(m.p99),
      ms(m.p999),
      ms(m.max),
      pct(m.extra),
      String(m.failed),
    ]),
  );
  const hedged = byName('leastLoad() + hedging');
  const calm = byName('leastLoad(), no stalls');
  const calmHedged = byName('leastLoad() + hedging, no stalls');
  const summary = [
    `with stalls, leastLoad() + hedging: p99.9 ${ms(hedged.p999)} ms (target ≤ 30; leastLoad() alone ` +
      `${ms(alone.p999)}), extra attempts ${pct(hedged.extra)} (≤ 10%), ` +
      `calls/s ${(hedged.rps / alone.rps).toFixed(2)}x leastLoad() alone (≥ 0.95)`,
    `without stalls, hedging: extra attempts ${pct(calmHedged.extra)} (≤ 3%), p99 ${ms(calmHedged.p99)} ms vs ` +
      `${ms(calm.p99)} ms without hedging`,
  ].join('\n');
  return { table, summary };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = Number(process.argv[2] ?? 5);
  const rounds = Number(process.argv[3] ?? 2);
  const result = await runStall(seconds, rounds);
  console.log(
    `${STALL_TITLE}, ${rounds} alternating rounds of ${seconds} s per row (after ${WARMUP_MS / 1000} s warm-up)\n`,
  );
  console.log(result.table);
  console.log(`\n${result.summary}`);
}
