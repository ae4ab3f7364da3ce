// Watching a client and its nodes: `client.stats()` and `server.stats()`, Prometheus
// metrics scraped over HTTP, and the live status page (`client.serveStatus()`).
//
//   npx tsx examples/observability/main.ts            # runs, prints, exits
//   npx tsx examples/observability/main.ts --keep     # keeps load flowing and the pages up until Ctrl-C

import { balancers, createClient, createMetrics, createServer, RpcError, Status } from 'switchboard';
import { Greeter } from '../greeter/gen/greeter.js';

// One Metrics for the whole process: clients and servers given it record into its registry.
const metrics = createMetrics();

async function startNode(nodeId: string) {
  const server = createServer({ nodeId, metrics });
  server.add(Greeter, {
    async sayHello(req) {
      if (req.name === '') throw new RpcError(Status.INVALID_ARGUMENT, 'name is required');
      return { message: `hello ${req.name}`, nodeId };
    },
  });
  const { address } = await server.listen('127.0.0.1:0');
  return { server, address };
}

const nodes = [await startNode('node-a'), await startNode('node-b')];
const client = createClient(Greeter, {
  endpoints: nodes.map((n) => n.address),
  balancer: balancers.roundRobin(),
  metrics,
  deadlineMs: 2000,
});
await client.ready({ all: true });

// 20 calls; every fifth has no name and fails with INVALID_ARGUMENT (not retried).
for (let i = 0; i < 20; i++) {
  await client.sayHello({ name: i % 5 === 0 ? '' : `user-${i}` }).catch(() => {});
}

// The client's view, per node: calls, failures by code, shares, latency, the balancer's inputs.
const stats = client.stats();
console.log(`${stats.service} through ${stats.balancer}: ${stats.calls} calls, ${stats.failures} failed`);
for (const e of stats.endpoints) {
  const failures = Object.entries(e.failuresByCode)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  console.log(
    `  ${e.id} ${e.state}: ${e.calls} calls, ${e.failures} failed (${failures}), share ${(100 * e.share).toFixed(0)}%` +
      ` (last ${stats.windowMs / 1000} s: ${(100 * e.recentShare).toFixed(0)}%), in flight ${e.inFlight}` +
      `, p50 ${e.latencyMs.p50.toFixed(2)} ms, p99 ${e.latencyMs.p99.toFixed(2)} ms` +
      `, leastLoad cost ${e.leastLoadCost.toFixed(2)}`,
  );
}

// Each node's own view, per method.
for (const { server } of nodes) {
  for (const m of server.stats().methods.filter((m) => m.calls > 0)) {
    console.log(`  ${server.nodeId} handled ${m.path}: ${m.calls} calls, failures ${JSON.stringify(m.failuresByCode)}`);
  }
}

// Prometheus: serve /metrics (or mount metrics.registry in your own server) and scrape it.
const scrape = await metrics.serve({ port: 0 });
const text = await (await fetch(new URL('metrics', scrape.url))).text();
console.log(`scraped ${scrape.url}metrics:`);
const handled = text.split('\n').filter((line) => /^grpc_(client|server)_handled_total\{/.test(line));
for (const line of handled.sort()) console.log(`  ${line}`);

// The live view: a page with a table and a bar chart, refreshed every second, and its JSON.
const status = await client.serveStatus({ port: 0 });
const json = (await (await fetch(new URL('stats.json', status.url))).json()) as { endpoints: unknown[] };
console.log(`status page ${status.url} shows ${json.endpoints.length} nodes (JSON at ${status.url}stats.json)`);

if (process.argv.includes('--keep')) {
  console.log('keeping load flowing; open the status page, Ctrl-C to stop');
  for (;;) await client.sayHello({ name: 'again' }).catch(() => {});
}
await status.close();
await scrape.close();
await client.close();
await Promise.all(nodes.map(({ server }) => server.shutdown({ graceMs: 0 })));
