/**
 * Child process for bench/overhead.ts: one client of one kind against the given nodes, so
 * that the client measured is the only one whose code the process has run (in one process,
 * two clients' hot paths share grpc-js' compiled code and shape each other's speed).
 * Connects, warms up for one second, prints `"ready"`, then answers each `run <seconds>` line
 * on stdin with one JSON line: calls/s, latency, failures and CPU µs per call of this process.
 *
 * Usage: `node --import tsx bench/overhead-client.ts grpc-js|switchboard '<addresses as JSON>' <calls in flight>`.
 */
import { createInterface } from 'node:readline';
import { balancers, createClient } from 'switchboard';
import { plainGreeterClient } from '../src/cli/grpc-js-baseline.js';
import { runClosedLoop } from '../src/cli/load-loop.js';
import { Greeter } from '../src/gen/demo/greeter.js';

/** What one measured run of a client process reports. */
export interface ClientRun {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly failed: number;
  readonly calls: number;
  /** CPU time (user + system) of the client process per call, µs. */
  readonly cpuMicros: number;
}

const NAME = 'x'.repeat(64);
const DEADLINE_MS = 5000;

const kind = process.argv[2];
const addresses = JSON.parse(process.argv[3] ?? '[]') as string[];
const concurrency = Number(process.argv[4]);
let call: () => Promise<string>;
let close: () => Promise<void>;
if (kind === 'grpc-js') {
  const plain = plainGreeterClient(addresses);
  call = async () => (await plain.sayHello(NAME, DEADLINE_MS)).nodeId;
  close = async () => plain.close();
} else if (kind === 'switchboard' || kind === 'switchboard-adaptive') {
  const client = createClient(Greeter, {
    endpoints: addresses,
    balancer: balancers.roundRobin(),
    deadlineMs: DEADLINE_MS,
    ...(kind === 'switchboard-adaptive' ? { concurrencyLimit: 'adaptive' as const } : {}),
  });
  await client.ready({ all: true });
  call = async () => (await client.sayHello({ name: NAME })).nodeId;
  close = () => client.close();
} else {
  throw new TypeError(`overhead-client: kind must be grpc-js, switchboard or switchboard-adaptive, got ${kind}`);
}
if (!(Number.isInteger(concurrency) && concurrency > 0)) {
  throw new TypeError(`overhead-client: calls in flight must be a positive integer, got ${process.argv[4]}`);
}

const run = async (seconds: number): Promise<ClientRun> => {
  const before = process.cpuUsage();
  const result = await runClosedLoop({ concurrency, durationMs: seconds * 1000, maxCalls: 1_000_000, call });
  const cpu = process.cpuUsage(before);
  const calls = Math.max(1, result.completed);
  return {
    rps: result.rps,
    p50: result.latencyMs.p50,
    p99: result.latencyMs.p99,
    failed: result.failed,
    calls: result.completed,
    cpuMicros: (cpu.user + cpu.system) / calls,
  };
};

await run(1);
console.log(JSON.stringify('ready'));
createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, seconds] = line.split(' ');
  if (command === 'run') void run(Number(seconds)).then((r) => console.log(JSON.stringify(r)));
});
process.stdin.on('end', () => void close().then(() => process.exit(0)));
