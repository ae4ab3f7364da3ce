/**
 * Child process for benchmarks: starts N Greeter nodes on 127.0.0.1:0 that answer at
 * once, prints their addresses as one JSON line, and runs until stdin closes or SIGTERM.
 * Keeping the servers in their own process means the benchmark process measures client
 * cost only. `--no-load-report` starts them with `loadReport: false` (to measure what the
 * reports cost the server). A `cpu` line on stdin is answered with the process's CPU time
 * so far (user + system, µs). Usage: `node --import tsx bench/greeter-nodes.ts 3`.
 */
import { createInterface } from 'node:readline';
import { createServer } from 'switchboard';
import { Greeter } from '../src/gen/demo/greeter.js';

const count = Number(process.argv[2] ?? 3);
const servers = await Promise.all(
  Array.from({ length: count }, async (_, i) => {
    const nodeId = `node-${String.fromCharCode(97 + i)}`;
    const server = createServer({ nodeId, ...(process.argv.includes('--no-load-report') ? { loadReport: false } : {}) });
    server.add(Greeter, {
      sayHello: (req) => ({ message: req.name, nodeId }),
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
    return { server, address: (await server.listen('127.0.0.1:0')).address };
  }),
);
console.log(JSON.stringify(servers.map((s) => s.address)));

const stop = async () => {
  await Promise.all(servers.map((s) => s.server.shutdown({ graceMs: 0 })));
  process.exit(0);
};
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line !== 'cpu') return;
  const { user, system } = process.cpuUsage();
  console.log(user + system);
});
process.stdin.on('end', stop);
process.on('SIGTERM', stop);
