/**
 * Many endpoints: what each endpoint costs a client. One client over N plain grpc-js nodes
 * (one process, one port each, no `grpc.health.v1`), Switchboard's default client against a
 * plain grpc-js client with `round_robin` over the same addresses, each alone in a child
 * process (bench/many-endpoints-client.ts), one after the other on the same nodes. Printed
 * per N: time until every endpoint is READY, main-thread CPU per second while idle (the
 * median of 1 s windows, in the first seconds after ready, and settled: from 12 s after
 * ready), memory after a full GC (RSS and V8 heap), calls/s of 64 calls in flight, and
 * Switchboard / grpc-js ratios.
 * Targets at 1,000 endpoints (issue 19): idle CPU ≤ max(5 ms/s, 2x grpc-js), memory and
 * time to ready ≤ 1.3x.
 *
 * Run: `npx tsx bench/many-endpoints.ts [counts, e.g. 10,1000,5000] [idle s] [load s]`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTable } from '../src/cli/table.js';
import type { EndpointsRun } from './many-endpoints-client.js';
import { runEndpointsClient, spawnGreeterNodes } from './spawn-nodes.js';

/** The title of the printed table. */
export const MANY_ENDPOINTS_TITLE =
  'Many endpoints: one client over N plain grpc-js nodes (no health service), 64 calls in flight';

const KINDS = ['grpc-js', 'switchboard'] as const;

/** Measures both clients at each endpoint count; returns the table and the ratio lines. */
export async function runManyEndpoints(counts: readonly number[], idleSeconds = 3, loadSeconds = 3): Promise<string> {
  const rows: string[][] = [];
  const ratios: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'many-endpoints-'));
  try {
    for (const count of counts) {
      const nodes = await spawnGreeterNodes(count, 'plain');
      const file = join(dir, `${count}.json`);
      writeFileSync(file, JSON.stringify(nodes.addresses));
      const runs: EndpointsRun[] = [];
      try {
        for (const kind of KINDS) runs.push(await runEndpointsClient(kind, file, idleSeconds, loadSeconds));
      } finally {
        await nodes.stop();
      }
      runs.forEach((run, i) => {
        rows.push([
          String(count),
          KINDS[i]!,
          run.readyMs.toFixed(0),
          run.firstIdleCpuMs.toFixed(2),
          run.idleCpuMs.toFixed(2),
          run.rssMb.toFixed(0),
          run.heapMb.toFixed(1),
          run.rps.toFixed(0),
          String(run.failed),
        ]);
      });
      const [plain, switchboard] = runs as [EndpointsRun, EndpointsRun];
      const ratio = (pick: (r: EndpointsRun) => number) => (pick(switchboard) / pick(plain)).toFixed(2);
      const cpuLimit = Math.max(5, 2 * plain.idleCpuMs);
      ratios.push(
        `${count} endpoints, switchboard / grpc-js: settled idle CPU ${ratio((r) => r.idleCpuMs)}x ` +
          `(${switchboard.idleCpuMs.toFixed(2)} ms/s, limit max(5, 2x) = ${cpuLimit.toFixed(2)}), ` +
          `first seconds ${ratio((r) => r.firstIdleCpuMs)}x, ` +
          `RSS ${ratio((r) => r.rssMb)}x, heap ${ratio((r) => r.heapMb)}x, ready ${ratio((r) => r.readyMs)}x, ` +
          `calls/s ${ratio((r) => r.rps)}x`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const table = formatTable(
    [
      'endpoints',
      'client',
      'ready ms',
      'idle CPU ms/s, first',
      'idle CPU ms/s, settled',
      'RSS MB',
      'heap MB',
      'calls/s',
      'failed',
    ],
    rows,
  );
  return `${table}\n\n${ratios.join('\n')}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const counts = (process.argv[2] ?? '10,1000,5000').split(',').map(Number);
  const idleSeconds = Number(process.argv[3] ?? 3);
  const loadSeconds = Number(process.argv[4] ?? 3);
  for (const count of counts) {
    if (!(Number.isInteger(count) && count > 0)) throw new TypeError(`many-endpoints: bad count ${count}`);
  }
  console.log(`${MANY_ENDPOINTS_TITLE}; idle ${idleSeconds} s, load ${loadSeconds} s\n`);
  console.log(await runManyEndpoints(counts, idleSeconds, loadSeconds));
}
