import { setTimeout as sleep } from 'node:timers/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { Balancer } from '../balancer/balancer.js';
import { leastLoad } from '../balancer/least-load.js';
import { roundRobin } from '../balancer/round-robin.js';
import { weighted } from '../balancer/weighted.js';
import { createClient } from '../client/client.js';
import { Greeter } from '../gen/demo/greeter.js';
import { serveStatusPage } from '../observability/status-page.js';
import { type DemoNode, startDemoCluster } from './demo-cluster.js';
import { plainGreeterClient } from './grpc-js-baseline.js';
import { type LoadResult, runClosedLoop } from './load-loop.js';
import { CliError, positiveOption, runCommand } from './rpc-target.js';
import { formatTable } from './table.js';

interface DemoOptions {
  readonly seconds: string;
  readonly concurrency: string;
  readonly status?: string | true;
}

/** The stats the status page shows: the current row's client, none during the grpc-js row. */
type ShowStats = (stats: (() => object) | undefined) => void;

interface Row {
  readonly name: string;
  readonly run: (
    nodes: readonly DemoNode[],
    load: (call: () => Promise<string>) => Promise<LoadResult>,
    rowMs: number,
    show: ShowStats,
  ) => Promise<LoadResult>;
}

const DEADLINE_MS = 2000;

/** A row through a Switchboard client; `during` runs alongside the load (e.g. to kill a node). */
const switchboardRow = (
  name: string,
  balancer: () => Balancer,
  during?: (nodes: readonly DemoNode[], rowMs: number) => Promise<void>,
): Row => ({
  name,
  run: async (nodes, load, rowMs, show) => {
    const client = createClient(Greeter, {
      endpoints: nodes.map((n) => n.address),
      balancer: balancer(),
      deadlineMs: DEADLINE_MS,
    });
    show(client.stats);
    try {
      await client.ready({ all: true });
      const [result] = await Promise.all([
        load(async () => (await client.sayHello({ name: 'demo' })).nodeId),
        during?.(nodes, rowMs),
      ]);
      return result;
    } finally {
      show(undefined);
      await client.close();
    }
  },
});

/** Stops node-b without grace half-way through the row: its calls in flight are cut off. */
async function killNodeB(nodes: readonly DemoNode[], rowMs: number): Promise<void> {
  await sleep(rowMs / 2);
  await nodes[1]!.server.shutdown({ graceMs: 0 });
}

const ROWS: readonly Row[] = [
  {
    name: 'grpc-js round_robin',
    run: async (nodes, load) => {
      const client = plainGreeterClient(nodes.map((n) => n.address));
      try {
        await client.sayHello('warm-up', DEADLINE_MS);
        return await load(async () => (await client.sayHello('demo', DEADLINE_MS)).nodeId);
      } finally {
        client.close();
      }
    },
  },
  switchboardRow('roundRobin()', () => roundRobin()),
  switchboardRow('weighted()', () => weighted()),
  // Weights learnt from the nodes' reports (qps / utilization); a short blackout for a 5 s row.
  switchboardRow('weighted({ dynamic })', () =>
    weighted({ dynamic: { blackoutPeriodMs: 1000, weightUpdatePeriodMs: 200 } }),
  ),
  switchboardRow('leastLoad()', () => leastLoad()),
  switchboardRow('leastLoad(), node-b killed', () => leastLoad(), killNodeB),
];

/** `switchboard demo`: three nodes of different capacity, load through each balancer, one table. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('start 3 nodes of different capacity on loopback and compare balancers under load')
    .option('--seconds <n>', 'seconds of load per balancer', '5')
    .option('--concurrency <n>', 'calls in flight (closed loop)', '32')
    .option('--status [port]', 'serve a live status page of the current client (default: any free port)')
    .action((options: DemoOptions) =>
      runCommand('demo', async () => {
        const seconds = positiveOption(options.seconds, '--seconds');
        const concurrency = positiveOption(options.concurrency, '--concurrency');
        const statusPort =
          options.status === undefined ? undefined : options.status === true ? 0 : port(options.status);
        await demo(seconds, Math.round(concurrency), statusPort);
      }),
    );
}

async function demo(seconds: number, concurrency: number, statusPort: number | undefined): Promise<void> {
  const nodes = await startDemoCluster();
  let stats: (() => object) | undefined;
  const status = statusPort === undefined ? undefined : await serveStatusPage(() => stats?.(), { port: statusPort });
  const show: ShowStats = (current) => {
    stats = current;
  };
  if (status !== undefined) console.log(`Live status page (while the demo runs): ${status.url}\n`);
  const capacity = nodes.reduce((sum, n) => sum + n.capacity, 0);
  console.log(
    `3 nodes on loopback, one worker each: ${nodes.map((n) => `${n.id} ${n.serviceMs} ms`).join(', ')}` +
      ` → capacity ${capacity.toFixed(0)} calls/s.` +
      ` Closed loop, ${concurrency} calls in flight, ${seconds} s per balancer.\n`,
  );
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {percentage}% | {row} | {rps} calls/s', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  const rowMs = seconds * 1000;
  bar.start(ROWS.length * rowMs, 0, { row: '', rps: 0 });
  const results: LoadResult[] = [];
  try {
    for (const [i, row] of ROWS.entries()) {
      const result = await row.run(
        nodes,
        (call) =>
          runClosedLoop({
            concurrency,
            durationMs: rowMs,
            maxCalls: Math.ceil(capacity * seconds * 2),
            call,
            onProgress: (done, elapsed) =>
              bar.update(i * rowMs + Math.min(elapsed, rowMs), {
                row: row.name,
                rps: Math.round((done * 1000) / elapsed),
              }),
          }),
        rowMs,
        show,
      );
      results.push(result);
    }
  } finally {
    bar.stop();
    await status?.close();
    await Promise.all(nodes.map((n) => n.server.shutdown({ graceMs: 1000 })));
  }
  const baseline = results[0]!.rps;
  const header = [
    'balancer',
    'calls/s',
    'vs grpc-js',
    'of capacity',
    'p50 ms',
    'p99 ms',
    ...nodes.map((n) => n.id),
    'failed',
  ];
  const rows = results.map((r, i) => {
    const done = r.completed - r.failed;
    return [
      ROWS[i]!.name,
      r.rps.toFixed(0),
      `${(r.rps / baseline).toFixed(2)}x`,
      `${((100 * r.rps) / capacity).toFixed(0)}%`,
      r.latencyMs.p50.toFixed(1),
      r.latencyMs.p99.toFixed(1),
      ...nodes.map((n) => `${((100 * (r.perNode[n.id] ?? 0)) / Math.max(1, done)).toFixed(0)}%`),
      String(r.failed),
    ];
  });
  console.log(formatTable(header, rows));
  const ideal = nodes.map((n) => `${n.id} ${((100 * n.capacity) / capacity).toFixed(0)}%`).join(', ');
  console.log(
    `\nIdeal shares for this capacity: ${ideal}.` +
      '\nLast row: node-b is stopped half-way without grace; idempotent calls cut off on it are retried on the others.',
  );
  const failure = results.find((r) => r.firstError !== undefined)?.firstError;
  if (failure !== undefined)
    console.log(`first failure: ${failure instanceof Error ? failure.message : String(failure)}`);
}

/** The `--status` port, or a CliError naming it. */
function port(text: string): number {
  const value = Number(text);
  if (Number.isInteger(value) && value >= 0 && value <= 65535) return value;
  throw new CliError(`--status takes a port number (0-65535), got ${JSON.stringify(text)}`);
}
