/**
 * Child process for bench/stall.ts: one plain grpc-js Greeter node with a single worker
 * (`SingleWorker`, fixed service time), in a process of its own so that the benchmark can
 * freeze it with SIGSTOP and thaw it with SIGCONT (a GC pause, a noisy neighbour, a stalled
 * disk). A call the client cancels is not answered (its turn on the worker is spent
 * all the same, as a node that cannot stop a request it started). Prints its address as one JSON line;
 * exits when stdin closes or on SIGTERM.
 * Usage: `node --import tsx bench/stall-node.ts <id> <service-ms>`.
 */
import * as grpc from '@grpc/grpc-js';
import { listenOnLoopback, plainGreeter } from '../src/cli/grpc-js-baseline.js';
import { SingleWorker } from '../src/cli/single-worker.js';

const nodeId = process.argv[2] ?? 'node';
const worker = new SingleWorker(Number(process.argv[3] ?? 1));
const server = new grpc.Server();
server.addService(plainGreeter().service, {
  sayHello: (call: grpc.ServerUnaryCall<{ name: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
    const cancelled = new AbortController();
    call.once('cancelled', () => cancelled.abort());
    worker.serve(cancelled.signal).then(
      () => callback(null, { message: call.request.name, nodeId }),
      () => {},
    );
  },
});
console.log(JSON.stringify(await listenOnLoopback(server)));
const stop = () => {
  server.forceShutdown();
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
