import { Greeter } from '../gen/demo/greeter.js';
import { createServer } from '../server/server.js';
import type { Server } from '../server/server-types.js';
import { SingleWorker } from './single-worker.js';

/** A demo node: a Greeter server with one worker of a fixed service time. */
export interface DemoNode {
  readonly id: string;
  readonly address: string;
  readonly serviceMs: number;
  readonly server: Server;
  readonly capacity: number;
}

/** The demo's nodes: id, service time in ms, announced weight (∝ capacity). */
const DEMO_NODES = [
  { id: 'node-a', serviceMs: 2, weight: 3, zone: 'zone-1' },
  { id: 'node-b', serviceMs: 2, weight: 3, zone: 'zone-1' },
  { id: 'node-c', serviceMs: 6, weight: 1, zone: 'zone-2' },
] as const;

const REPORT_MS = 200;

/** Starts the demo nodes on loopback. */
export async function startDemoCluster(): Promise<DemoNode[]> {
  return Promise.all(
    DEMO_NODES.map(async ({ id, serviceMs, weight, zone }) => {
      const worker = new SingleWorker(serviceMs);
      const server = createServer({ nodeId: id, weight, zone, loadReport: { intervalMs: REPORT_MS } });
      server.add(Greeter, {
        async sayHello(req, ctx) {
          await worker.serve(ctx.signal);
          return { message: `hello ${req.name}`, nodeId: id };
        },
        async *streamHellos(req) {
          for (const name of req.names) yield { message: `hello ${name}`, nodeId: id };
        },
        async collectHellos(requests) {
          const names: string[] = [];
          for await (const req of requests) names.push(req.name);
          return { count: names.length, joined: names.join(', ') };
        },
        async *chat(requests) {
          for await (const req of requests) yield { message: `hello ${req.name}`, nodeId: id };
        },
      });
      const { address } = await server.listen('127.0.0.1:0');
      // The node's capacity is its worker: it reports the worker's busy share as its
      // utilization (for weighted({ dynamic })), as such an application would.
      setInterval(() => server.reportLoad({ utilization: worker.takeLoad().utilization }), REPORT_MS).unref();
      return { id, address, serviceMs, server, capacity: worker.capacity };
    }),
  );
}
