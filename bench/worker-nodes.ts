/**
 * Child process for the load-aware benchmarks: for each service time given, one node with
 * a single worker (`SingleWorker`, FIFO, fixed service time) in two flavours:
 *
 * - a plain grpc-js server (proto-loader, no Switchboard) that serves ORCA out-of-band
 *   reports (`xds.service.orca.v3.OpenRcaService` via grpc-js' `ServerMetricRecorder`),
 *   for grpc-js `weighted_round_robin`; it sends nothing per call, so Switchboard
 *   balancers in front of it have only their own client-side signals;
 * - a Switchboard node with its per-call load reports (the default);
 * - a Switchboard node with `loadReport: false` ("quiet"), so that what the reports bring
 *   is measured on the same server code;
 * - any other Switchboard flavour in `SWITCHBOARD_FLAVOURS` (one entry: its name and its
 *   `createServer` options), addressed by that name.
 *
 * Both report the worker's busy share over the last 200 ms as application utilization,
 * and calls per second over the same window (Switchboard's reporter counts those
 * itself), as an application whose capacity is one worker would. Prints the addresses as
 * one JSON line; reads `service <index> <ms>` lines on stdin to change a node's service
 * time (both flavours), and `stalls` lines, answered with the process's event-loop stalls
 * since the previous one (for the simulator's validation); exits when stdin closes or on
 * SIGTERM.
 * Usage: `node --import tsx bench/worker-nodes.ts 2 2 6`.
 */
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import { createServer, type Server, type ServerOptions } from 'switchboard';
import { listenOnLoopback, plainGreeter } from '../src/cli/grpc-js-baseline.js';
import { SingleWorker } from '../src/cli/single-worker.js';
import { Greeter } from '../src/gen/demo/greeter.js';

const REPORT_MS = 200;
const serviceTimes = process.argv.slice(2).map(Number);

const GreeterService = plainGreeter().service;

async function plainNode(
  nodeId: string,
  worker: SingleWorker,
): Promise<{ address: string; server: grpc.Server; report: () => void }> {
  const server = new grpc.Server();
  const recorder = new grpc.ServerMetricRecorder();
  recorder.addToServer(server);
  server.addService(GreeterService, {
    sayHello: (call: grpc.ServerUnaryCall<{ name: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      worker.serve().then(() => callback(null, { message: call.request.name, nodeId }), callback);
    },
  });
  const address = await listenOnLoopback(server);
  const report = () => {
    const { utilization, qps } = worker.takeLoad();
    recorder.setApplicationUtilizationMetric(utilization);
    recorder.setQpsMetric(qps);
  };
  return { address, server, report };
}

/** The Switchboard flavours by name, each its `createServer` options but the node id. */
const SWITCHBOARD_FLAVOURS: Readonly<Record<string, Omit<ServerOptions, 'nodeId'>>> = {
  switchboard: { loadReport: { intervalMs: REPORT_MS } },
  quiet: { loadReport: false },
  adaptive: { loadReport: { intervalMs: REPORT_MS }, maxConcurrentCalls: 'adaptive' },
};

async function switchboardNode(
  nodeId: string,
  worker: SingleWorker,
  options: Omit<ServerOptions, 'nodeId'>,
): Promise<{ address: string; server: Server; report: () => void }> {
  const server = createServer({ nodeId, ...options });
  server.add(Greeter, {
    async sayHello(req) {
      await worker.serve();
      return { message: req.name, nodeId };
    },
    async *streamHellos() {},
    async collectHellos() {
      return { count: 0 };
    },
    async *chat() {},
  });
  const { address } = await server.listen('127.0.0.1:0');
  return { address, server, report: () => server.reportLoad({ utilization: worker.takeLoad().utilization }) };
}

const ids = serviceTimes.map((_, i) => `node-${String.fromCharCode(97 + i)}`);
const plainWorkers = serviceTimes.map((ms) => new SingleWorker(ms));
const plain = await Promise.all(ids.map((id, i) => plainNode(id, plainWorkers[i]!)));
const flavours = await Promise.all(
  Object.entries(SWITCHBOARD_FLAVOURS).map(async ([name, options]) => {
    const workers = serviceTimes.map((ms) => new SingleWorker(ms));
    const nodes = await Promise.all(ids.map((id, i) => switchboardNode(id, workers[i]!, options)));
    return { name, workers, nodes };
  }),
);
const switchboardNodes = flavours.flatMap((f) => f.nodes);
const timer = setInterval(() => {
  for (const node of [...plain, ...switchboardNodes]) node.report();
}, REPORT_MS);
const addresses = (nodes: { address: string }[]) => nodes.map((n) => n.address);
console.log(
  JSON.stringify({ plain: addresses(plain), ...Object.fromEntries(flavours.map((f) => [f.name, addresses(f.nodes)])) }),
);

/**
 * While timing stalls: when a 1 ms interval timer was 2 ms or more late, as [start, length]
 * with the start in ms since the epoch (`performance.timeOrigin`-based, so another process
 * can place it on its own clock).
 */
let stalls: { samples: [number, number][]; timer: NodeJS.Timeout; since: number } | undefined;
function timeStalls(): void {
  let last = performance.now();
  const samples: [number, number][] = [];
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - last - 1 >= 2) samples.push([performance.timeOrigin + last + 1, now - last - 1]);
    last = now;
  }, 1);
  stalls = { samples, timer, since: performance.now() };
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, index, ms] = line.split(' ');
  if (command === 'stalls') {
    // `stalls`: the stalls since the last `stalls` (none the first time) as one JSON line; timing goes on.
    const taken =
      stalls === undefined ? { samples: [], ms: 0 } : { samples: stalls.samples, ms: performance.now() - stalls.since };
    if (stalls !== undefined) clearInterval(stalls.timer);
    timeStalls();
    console.log(JSON.stringify(taken));
    return;
  }
  if (command !== 'service') return;
  for (const workers of [plainWorkers, ...flavours.map((f) => f.workers)])
    workers[Number(index)]!.serviceMs = Number(ms);
});
const stop = async () => {
  clearInterval(timer);
  if (stalls !== undefined) clearInterval(stalls.timer);
  for (const node of plain) node.server.forceShutdown();
  await Promise.all(switchboardNodes.map((n) => n.server.shutdown({ graceMs: 0 })));
  process.exit(0);
};
process.stdin.on('end', stop);
process.on('SIGTERM', stop);
