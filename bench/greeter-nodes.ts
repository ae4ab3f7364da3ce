/**
 * Child process for benchmarks: starts N Greeter nodes on 127.0.0.1:0 that answer at
 * once, prints their addresses as one JSON line, and runs until stdin closes or SIGTERM.
 * Keeping the servers in their own process means the benchmark process measures client
 * cost only. The flavour (`--flavour=`) says what kind of node:
 *
 * - `switchboard` (the default): Switchboard nodes, with their per-call load reports;
 * - `quiet`: Switchboard nodes with `loadReport: false`;
 * - `quiet-inheriting`: the same in a process that also holds a Switchboard client whose
 *   calls inherit deadlines (`inheritDeadline`, on by default; it makes no calls), so each
 *   handler runs in its call's AsyncLocalStorage context: what deadline propagation costs;
 * - `plain`: plain grpc-js servers (proto-loader);
 * - `plain-report`: plain grpc-js servers that send with every response the trailer a
 *   Switchboard node sends (built by the same `LoadReporter`): what such a trailer costs
 *   grpc-js itself, without the rest of Switchboard;
 * - `plain-tiny`: plain grpc-js servers that send a constant two-character text trailer
 *   (`x-tiny: ok`) with every response: what any trailer at all costs.
 *
 * Lines on stdin are answered with one line: `cpu` with the process's CPU time so far
 * (user + system, µs), `calls` with the SayHello calls answered so far.
 * Usage: `node --import tsx bench/greeter-nodes.ts 3 [--flavour=quiet]`.
 */
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import { createClient, createServer } from 'switchboard';
import { listenOnLoopback, plainGreeter } from '../src/cli/grpc-js-baseline.js';
import { ORCA_TRAILER } from '../src/common/orca-load-report.js';
import { Greeter } from '../src/gen/demo/greeter.js';
import { LoadReporter } from '../src/server/load-reporter.js';
import { FLAVOURS, type Flavour } from './spawn-nodes.js';

let answered = 0;

async function switchboardNode(
  nodeId: string,
  reports: boolean,
): Promise<{ address: string; stop: () => Promise<void> }> {
  const server = createServer({ nodeId, ...(reports ? {} : { loadReport: false }) });
  server.add(Greeter, {
    sayHello: (req) => {
      answered++;
      return { message: req.name, nodeId };
    },
    async *streamHellos(req) {
      for (const name of req.names) yield { message: name, nodeId };
    },
    async collectHellos(requests) {
      let count = 0;
      for await (const _ of requests) count++;
      return { count };
    },
    async *chat(requests) {
      for await (const req of requests) yield { message: req.name, nodeId };
    },
  });
  return { address: (await server.listen('127.0.0.1:0')).address, stop: () => server.shutdown({ graceMs: 0 }) };
}

async function plainNode(
  nodeId: string,
  trailers: 'none' | 'report' | 'tiny',
): Promise<{ address: string; stop: () => Promise<void> }> {
  const server = new grpc.Server();
  const reporter = trailers === 'report' ? new LoadReporter() : undefined;
  const trailer = (): grpc.Metadata | undefined => {
    if (trailers === 'none') return undefined;
    const metadata = new grpc.Metadata();
    if (reporter === undefined) metadata.set('x-tiny', 'ok');
    else metadata.set(ORCA_TRAILER, reporter.trailer(0, 1));
    return metadata;
  };
  server.addService(plainGreeter().service, {
    sayHello: (call: grpc.ServerUnaryCall<{ name: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      answered++;
      callback(null, { message: call.request.name, nodeId }, trailer());
    },
  });
  const address = await listenOnLoopback(server);
  const stop = async () => {
    reporter?.close();
    server.forceShutdown();
  };
  return { address, stop };
}

const count = Number(process.argv[2] ?? 3);
const flavour = (process.argv.find((a) => a.startsWith('--flavour='))?.slice('--flavour='.length) ??
  'switchboard') as Flavour;
if (!FLAVOURS.includes(flavour))
  throw new Error(`greeter-nodes: unknown --flavour=${flavour} (one of ${FLAVOURS.join(', ')})`);
const nodes = await Promise.all(
  Array.from({ length: count }, (_, i) => {
    const nodeId = `node-${String.fromCharCode(97 + i)}`;
    if (flavour.startsWith('plain')) {
      return plainNode(nodeId, flavour === 'plain-report' ? 'report' : flavour === 'plain-tiny' ? 'tiny' : 'none');
    }
    return switchboardNode(nodeId, flavour === 'switchboard');
  }),
);
const inheriting =
  flavour === 'quiet-inheriting' ? createClient(Greeter, { endpoints: nodes.map((n) => n.address) }) : undefined;
console.log(JSON.stringify(nodes.map((n) => n.address)));

const stop = async () => {
  await inheriting?.close();
  await Promise.all(nodes.map((n) => n.stop()));
  process.exit(0);
};
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'calls') return console.log(answered);
  if (line !== 'cpu') return;
  const { user, system } = process.cpuUsage();
  console.log(user + system);
});
process.stdin.on('end', stop);
process.on('SIGTERM', stop);
