/**
 * Another caller's burst: 3 single-worker nodes at 2 ms, a measured client with 16 calls
 * in flight, and every second another client (plain grpc-js, no balancing) drops 64 calls
 * on node-a at once — 128 ms of work queued ahead of anything the measured client sends
 * there next. The measured client cannot see those calls; a Switchboard node reports them
 * (`in_flight`) in the trailer of the next response it sends, which for calls queued
 * before the burst comes within milliseconds. Printed per contender: calls/s and p99 of the
 * measured client, and the share of its calls started while a burst was queued that went
 * to node-a (node-a's share of free capacity then: 0%). Contenders alternate over rounds.
 * Run: `npx tsx bench/burst.ts [rounds]`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { plainGreeterClient } from '../src/cli/grpc-js-baseline.js';
import { formatTable } from '../src/cli/table.js';
import { contenders } from './contenders.js';
import { alternate, load, mean, type RecordedCall, recording } from './heterogeneous.js';
import { spawnWorkerNodes } from './spawn-nodes.js';

const SERVICE_MS = 2;
const CONCURRENCY = 16;
const BURST = 64;
const EVERY_MS = 1000;
const RUN_MS = 6000;
const WARMUP_MS = 1500;
const COMPARED = [
  'JSQ (least in-flight, grpc-js)',
  'grpc-js weighted_round_robin (ORCA OOB)',
  'leastLoad()',
  'leastLoad(), no reports',
  'leastLoad() + reports',
];

interface BurstRun {
  readonly rps: number;
  readonly p99: number;
  /** Share of the calls started while a burst was queued that went to node-a. */
  readonly intoBurst: number;
}

export async function runBurst(rounds = 2): Promise<string> {
  const list = contenders().filter((c) => COMPARED.includes(c.name));
  const nodes = await spawnWorkerNodes([SERVICE_MS, SERVICE_MS, SERVICE_MS]);
  const capacity = (3 * 1000) / SERVICE_MS;
  let results: BurstRun[][];
  try {
    results = await alternate(list, rounds, nodes, async (driver, contender) => {
      await load(driver, WARMUP_MS, capacity, CONCURRENCY);
      const other = plainGreeterClient([nodes[contender.nodes][0]!], 'pick_first');
      const t0 = performance.now();
      const bursts: { from: number; to: number }[] = [];
      const calls: RecordedCall[] = [];
      const burster = (async () => {
        for (let at = EVERY_MS / 2; at < RUN_MS; at += EVERY_MS) {
          await sleep(t0 + at - performance.now());
          const from = performance.now() - t0;
          const answers = Array.from({ length: BURST }, () => other.sayHello('burst', 5000));
          await Promise.all(answers);
          bursts.push({ from, to: performance.now() - t0 });
        }
      })();
      const result = await load(recording(driver, t0, calls), RUN_MS, capacity, CONCURRENCY);
      await burster;
      other.close();
      const during = calls.filter((c) => bursts.some((b) => c.at >= b.from && c.at < b.to));
      const intoBurst = during.filter((c) => c.node === 'node-a').length / Math.max(1, during.length);
      return { rps: result.rps, p99: result.latencyMs.p99, intoBurst };
    });
  } finally {
    await nodes.stop();
  }
  return formatTable(
    ['client', 'nodes', 'calls/s', 'p99 ms', 'to node-a during a burst'],
    list.map((c, i) => {
      const runs = results[i]!;
      return [
        c.name,
        c.nodes,
        mean(runs.map((r) => r.rps)).toFixed(0),
        mean(runs.map((r) => r.p99)).toFixed(1),
        `${(100 * mean(runs.map((r) => r.intoBurst))).toFixed(1)}%`,
      ];
    }),
  );
}

export const BURST_TITLE =
  `Another caller's burst: 3 single-worker nodes at ${SERVICE_MS} ms, ${CONCURRENCY} calls in flight; ` +
  `every ${EVERY_MS / 1000} s a plain grpc-js client drops ${BURST} calls on node-a (${BURST * SERVICE_MS} ms of work)`;

if (import.meta.url === `file://${process.argv[1]}`) {
  const rounds = Number(process.argv[2] ?? 2);
  console.log(`${BURST_TITLE}, ${rounds} alternating rounds of ${RUN_MS / 1000} s\n`);
  console.log(await runBurst(rounds));
}
