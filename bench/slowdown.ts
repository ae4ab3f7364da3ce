/**
 * A node that slows down 10x mid-run: 3 single-worker nodes at 2 ms (child process), a
 * closed loop of 32 calls in flight; 2 s into the measured run node-a's service time
 * becomes 20 ms. Printed per contender: node-a's share of the calls started in the second
 * after the change and in the 3 s after that (its capacity share is then 50 / 1050 ≈ 4.8%),
 * calls/s and p99 over the whole run. Contenders alternate over the rounds.
 * Run: `npx tsx bench/slowdown.ts [rounds]`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { formatTable } from '../src/cli/table.js';
import { contenders } from './contenders.js';
import { alternate, CONCURRENCY, load, mean, type RecordedCall, recording } from './heterogeneous.js';
import { spawnWorkerNodes } from './spawn-nodes.js';

const NORMAL_MS = 2;
const SLOW_MS = 20;
const SLOW_AT_MS = 2000;
const RUN_MS = 6000;

export async function runSlowdown(rounds = 1): Promise<string> {
  const capacity = (3 * 1000) / NORMAL_MS;
  const list = contenders();
  const nodes = await spawnWorkerNodes([NORMAL_MS, NORMAL_MS, NORMAL_MS]);
  let results: { first: number; after: number; rps: number; p99: number }[][];
  try {
    results = await alternate(list, rounds, nodes, async (driver) => {
      nodes.setServiceMs(0, NORMAL_MS);
      await load(driver, 1500, capacity);
      const calls: RecordedCall[] = [];
      const t0 = performance.now();
      const [result] = await Promise.all([
        load(recording(driver, t0, calls), RUN_MS, capacity),
        sleep(SLOW_AT_MS).then(() => nodes.setServiceMs(0, SLOW_MS)),
      ]);
      nodes.setServiceMs(0, NORMAL_MS);
      const share = (from: number, to: number) => {
        const window = calls.filter((c) => c.at >= from && c.at < to);
        return window.filter((c) => c.node === 'node-a').length / Math.max(1, window.length);
      };
      return {
        first: share(SLOW_AT_MS, SLOW_AT_MS + 1000),
        after: share(SLOW_AT_MS + 1000, RUN_MS),
        rps: result.rps,
        p99: result.latencyMs.p99,
      };
    });
  } finally {
    await nodes.stop();
  }
  return formatTable(
    ['client', 'nodes', 'node-a share, 1st s', 'node-a share, next 3 s', 'calls/s', 'p99 ms'],
    list.map((c, i) => {
      const runs = results[i]!;
      return [
        c.name,
        c.nodes,
        `${(100 * mean(runs.map((r) => r.first))).toFixed(1)}%`,
        `${(100 * mean(runs.map((r) => r.after))).toFixed(1)}%`,
        mean(runs.map((r) => r.rps)).toFixed(0),
        mean(runs.map((r) => r.p99)).toFixed(1),
      ];
    }),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rounds = Number(process.argv[2] ?? 1);
  console.log(
    `Slowdown: 3 single-worker nodes at ${NORMAL_MS} ms, ${CONCURRENCY} calls in flight; ` +
      `node-a turns ${SLOW_MS} ms ${SLOW_AT_MS / 1000} s into a ${RUN_MS / 1000} s run ` +
      '(its capacity share then: 4.8%)\n',
  );
  console.log(await runSlowdown(rounds));
}
