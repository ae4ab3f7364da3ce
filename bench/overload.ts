/**
 * Overload: 3 single-worker nodes at 2/2/6 ms (capacity 500 + 500 + 167 = 1,167 calls/s),
 * open-loop Poisson arrivals (bench/open-loop.ts) at 0.5x, 1x, 1.5x, 2x and 3x capacity,
 * each call with a 250 ms deadline. What it judges (issue "Overload"): goodput — calls that
 * succeed within their deadline, per second — should stay at capacity when more than
 * capacity is offered, and the excess should be told "no" at once, not after waiting out
 * its deadline; no session may collapse (INTERNAL). Anchors: the SRE book, "Handling
 * Overload"; Netflix concurrency-limits; Envoy adaptive concurrency.
 *
 * Every (level, row) runs on nodes of its own (a fresh child process): the plain nodes keep
 * serving calls whose callers gave up, so one overloaded run leaves seconds of queue behind
 * it. Each client warms up at the level's rate, then `seconds` of schedule are measured.
 * Run: `npx tsx bench/overload.ts [seconds] [level ...]`, e.g. `npx tsx bench/overload.ts 4 2 3`.
 */
import { balancers, type ClientOptions, createClient, seededRandom } from 'switchboard';
import { plainGreeterClient } from '../src/cli/grpc-js-baseline.js';
import { formatTable } from '../src/cli/table.js';
import { Greeter } from '../src/gen/demo/greeter.js';
import { type OpenLoopResult, runOpenLoop } from './open-loop.js';
import { spawnWorkerNodes } from './spawn-nodes.js';

const SERVICE_MS = [2, 2, 6];
const CAPACITY = SERVICE_MS.reduce((sum, ms) => sum + 1000 / ms, 0);
export const DEADLINE_MS = 250;
export const LEVELS = [0.5, 1, 1.5, 2, 3];
const WARMUP_MS = 1000;

/** A running client: `call` is one SayHello with the bench's deadline. */
interface OverloadDriver {
  call(): Promise<unknown>;
  close(): Promise<void>;
}

/** One row: a client kind on a flavour of worker nodes (bench/worker-nodes.ts). */
interface OverloadRow {
  readonly name: string;
  /** The flavour of nodes it calls: `plain` grpc-js, `switchboard`, or any flavour worker-nodes.ts starts. */
  readonly nodes: string;
  start(addresses: string[]): Promise<OverloadDriver>;
}

async function grpcJsRoundRobin(addresses: string[]): Promise<OverloadDriver> {
  const client = plainGreeterClient(addresses, 'round_robin');
  await client.sayHello('warm-up', 5000);
  return { call: () => client.sayHello('bench', DEADLINE_MS), close: async () => client.close() };
}

/** A Switchboard `leastLoad()` client with `options` on top of the bench's. */
function switchboard(options: Partial<ClientOptions> = {}): OverloadRow['start'] {
  return async (addresses) => {
    const client = createClient(Greeter, {
      endpoints: addresses,
      balancer: balancers.leastLoad({ random: seededRandom(3) }),
      deadlineMs: DEADLINE_MS,
      ...options,
    });
    await client.ready({ all: true });
    const request = { name: 'bench' };
    return { call: () => client.sayHello(request), close: () => client.close() };
  };
}

/** The client's adaptive limit per node. */
const LIMITED: Partial<ClientOptions> = { concurrencyLimit: 'adaptive' };

/** The rows, in order; each is one entry. */
export const ROWS: readonly OverloadRow[] = [
  { name: 'grpc-js round_robin', nodes: 'plain', start: grpcJsRoundRobin },
  { name: 'leastLoad()', nodes: 'plain', start: switchboard() },
  { name: 'grpc-js round_robin', nodes: 'switchboard', start: grpcJsRoundRobin },
  { name: 'leastLoad()', nodes: 'switchboard', start: switchboard() },
  { name: "leastLoad() + concurrencyLimit: 'adaptive'", nodes: 'plain', start: switchboard(LIMITED) },
  { name: 'leastLoad()', nodes: 'adaptive', start: switchboard() },
  { name: "leastLoad() + concurrencyLimit: 'adaptive'", nodes: 'adaptive', start: switchboard(LIMITED) },
];

/** The failure codes shown in columns of their own; any other code is summed in "other". */
const CODES = ['DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED', 'UNAVAILABLE', 'INTERNAL'] as const;

interface Measured {
  readonly row: OverloadRow;
  readonly level: number;
  readonly result: OpenLoopResult;
}

async function measure(row: OverloadRow, level: number, seconds: number, seed: number): Promise<Measured> {
  const nodes = await spawnWorkerNodes(SERVICE_MS);
  try {
    const driver = await row.start(nodes.addresses(row.nodes));
    try {
      const result = await runOpenLoop({
        rate: level * CAPACITY,
        warmupMs: WARMUP_MS,
        durationMs: seconds * 1000,
        deadlineMs: DEADLINE_MS,
        random: seededRandom(seed),
        call: driver.call,
      });
      return { row, level, result };
    } finally {
      await driver.close();
    }
  } finally {
    await nodes.stop();
  }
}

const count = (m: Measured, code: string) => m.result.failures[code] ?? 0;
const failed = (m: Measured) => Object.values(m.result.failures).reduce((a, b) => a + b, 0);

function table(measured: readonly Measured[]): string {
  return formatTable(
    [
      'client',
      'nodes',
      'load',
      'offered/s',
      'sent/s',
      'lag p99 ms',
      'µs/call',
      'goodput/s',
      'of capacity',
      'of offered',
      'ok p99 ms',
      'failed p50 ms',
      ...CODES,
      'other',
    ],
    measured.map((m) => {
      const r = m.result;
      const shown = CODES.reduce((sum, code) => sum + count(m, code), 0);
      return [
        m.row.name,
        m.row.nodes,
        `${m.level}x`,
        r.scheduledRate.toFixed(0),
        r.sentRate.toFixed(0),
        r.lagMs.p99.toFixed(1),
        r.cpuPerCallUs.toFixed(0),
        r.goodput.toFixed(0),
        (r.goodput / CAPACITY).toFixed(3),
        (r.goodput / r.scheduledRate).toFixed(3),
        r.successP99Ms.toFixed(1),
        failed(m) === 0 ? '-' : r.failureP50Ms.toFixed(1),
        ...CODES.map((code) => String(count(m, code))),
        String(failed(m) - shown),
      ];
    }),
  );
}

/** Each target, measured against the figure it is about: `✓` met, `✗` missed. */
function targets(measured: readonly Measured[]): string {
  const check = (ok: boolean) => (ok ? '✓' : '✗');
  const lines: string[] = [];
  for (const row of ROWS) {
    const at = (level: number) => measured.find((m) => m.row === row && m.level === level);
    const parts: string[] = [];
    for (const level of [2, 3]) {
      const m = at(level);
      if (m === undefined) continue;
      const share = m.result.goodput / CAPACITY;
      const fast = failed(m) === 0 || m.result.failureP50Ms <= 20;
      parts.push(
        `${level}x: goodput ${share.toFixed(2)} of capacity (≥ 0.9) ${check(share >= 0.9)}, ` +
          `failures answered in ${m.result.failureP50Ms.toFixed(0)} ms median (≤ 20) ${check(fast)}`,
      );
    }
    const half = at(0.5);
    if (half !== undefined) {
      const refused = count(half, 'RESOURCE_EXHAUSTED') + count(half, 'UNAVAILABLE');
      const share = half.result.goodput / half.result.scheduledRate;
      parts.push(
        `0.5x: ${refused} refused (0) ${check(refused === 0)}, ` +
          `goodput ${share.toFixed(3)} of offered (≥ 0.99) ${check(share >= 0.99)}`,
      );
    }
    const one = at(1);
    if (one !== undefined) {
      const share = one.result.goodput / one.result.scheduledRate;
      parts.push(`1x: goodput ${share.toFixed(3)} of offered (≥ 0.95) ${check(share >= 0.95)}`);
    }
    const internal = measured.filter((m) => m.row === row).reduce((sum, m) => sum + count(m, 'INTERNAL'), 0);
    parts.push(`INTERNAL ${internal} (0) ${check(internal === 0)}`);
    lines.push(`${row.name} → ${row.nodes} nodes: ${parts.join('; ')}`);
  }
  return lines.join('\n');
}

/** The generator's own health: the largest lag behind schedule and the lowest sent/offered of the run. */
function generator(measured: readonly Measured[]): string {
  const worstLag = Math.max(...measured.map((m) => m.result.lagMs.p99));
  const worstRate = Math.min(...measured.map((m) => m.result.sentRate / m.result.scheduledRate));
  return (
    `load generator: sent ≥ ${worstRate.toFixed(3)} of the scheduled rate in every run, ` +
    `p99 lag behind schedule ≤ ${worstLag.toFixed(1)} ms (a run that lags measures the generator, not the nodes)`
  );
}

/** What the overload benchmark prints. */
export interface OverloadResult {
  readonly table: string;
  readonly summary: string;
}

/** Every row at every level, `seconds` measured each (after a 1 s warm-up). */
export async function runOverload(seconds = 4, levels: readonly number[] = LEVELS): Promise<OverloadResult> {
  const measured: Measured[] = [];
  // Most calls fail under overload, and each failure formats stack traces (grpc-js two), mapped
  // through tsx's source maps: that, not the clients, was most of the generator's CPU.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  process.setSourceMapsEnabled(false);
  try {
    for (const [i, level] of levels.entries()) {
      for (const [j, row] of ROWS.entries()) measured.push(await measure(row, level, seconds, 1 + i * ROWS.length + j));
    }
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    process.setSourceMapsEnabled(true);
  }
  return {
    table: table(measured),
    summary: [
      `capacity ${CAPACITY.toFixed(0)} calls/s, deadline ${DEADLINE_MS} ms`,
      generator(measured),
      targets(measured),
    ].join('\n'),
  };
}

/** The title line of the table. */
export const overloadTitle = (seconds: number) =>
  `Overload: 3 single-worker nodes at 2/2/6 ms, open-loop Poisson arrivals, ${DEADLINE_MS} ms deadlines, ` +
  `${seconds} s measured per level and row (after ${WARMUP_MS / 1000} s warm-up), fresh nodes for each`;

if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = Number(process.argv[2] ?? 4);
  const levels = process.argv.length > 3 ? process.argv.slice(3).map(Number) : LEVELS;
  const result = await runOverload(seconds, levels);
  console.log(`${overloadTitle(seconds)}\n`);
  console.log(result.table);
  console.log(`\n${result.summary}`);
}
