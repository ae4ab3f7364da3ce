// The real loopback heterogeneous benchmark (bench/heterogeneous.ts: single-worker nodes
// at 2/2/6 ms in a child process, a closed loop of 32 calls) for roundRobin, static
// weights 3:3:1 and leastLoad, shortened, and the same setup as a simulator scenario, for
// the simulator's validation.
import { type Contender, contenders, type Driver, oracle } from '../../bench/contenders.js';
import { alternate, CONCURRENCY, load } from '../../bench/heterogeneous.js';
import { spawnWorkerNodes } from '../../bench/spawn-nodes.js';
import type { Scenario } from '../../src/sim/scenario.js';

export const SERVICE_MS = [2, 2, 6];
export const IDS = ['node-a', 'node-b', 'node-c'];
const CAPACITY = SERVICE_MS.reduce((sum, ms) => sum + 1000 / ms, 0);

/** One balancer's figures, real or simulated. */
export interface Figures {
  readonly callsPerSecond: number;
  readonly p99: number;
  /** Share of the successful calls per node id. */
  readonly shares: Readonly<Record<string, number>>;
}

/**
 * Stalls of the client's and the node process during one measured run, as [start, length]
 * in ms from its start: either delays the answers.
 */
export type Stalls = [number, number][];

/** One balancer's real run: its figures and the stalls during it. */
export interface RealRun extends Figures {
  readonly stalls: Stalls;
}

/** The contenders compared, by the simulator's balancer label. */
const COMPARED: Record<string, (list: Contender[]) => Contender> = {
  roundRobin: (list) => list.find((c) => c.name === 'roundRobin()')!,
  weighted: () => oracle(SERVICE_MS),
  leastLoad: (list) => list.find((c) => c.name === 'leastLoad()')!,
};

/**
 * The simulator's scenario of the benchmark for `balancer`, with what the real client added
 * in its run: the delays of a call short of a stall (samples), and the stalls of the
 * client's and the node process replayed at the same offsets (either delays the answers;
 * a client's own work on a batch of answers shows as a stall too).
 */
export function heterogeneousScenario(
  balancer: string,
  delayMs: readonly number[],
  stalls: Stalls,
  warmupMs: number,
  durationMs: number,
): Scenario {
  const slowest = Math.max(...SERVICE_MS);
  return {
    name: 'heterogeneous',
    nodes: SERVICE_MS.map((serviceMs, i) => ({ name: IDS[i]!, count: 1, serviceMs, weight: slowest / serviceMs })),
    clients: { count: 1, mode: 'closed', concurrency: CONCURRENCY },
    balancers: [balancer],
    warmupMs,
    durationMs,
    overheadMs: delayMs,
    clientStalls: { replayMs: stalls },
  };
}

/** The balancers compared, as the simulator names them. */
export const BALANCERS = Object.keys(COMPARED);

/**
 * Sequential calls through roundRobin for `ms`: each call's latency less the service time
 * of the node that served it — the client, network and timer time a call adds, as samples.
 */
async function overheadSamples(driver: Driver, ms: number): Promise<number[]> {
  const samples: number[] = [];
  const stopAt = performance.now() + ms;
  while (performance.now() < stopAt && samples.length < 10_000) {
    const t0 = performance.now();
    const node = await driver.call();
    samples.push(Math.max(0, performance.now() - t0 - SERVICE_MS[IDS.indexOf(node)]!));
  }
  return samples;
}

/** A stall of a process: a 1 ms interval timer this much later than due, or more (ms). */
const STALL_MS = 2;

/** Runs `run` while noting this process's stalls into `into` as [start, length], the start in ms since the epoch. */
async function timingStalls<T>(into: [number, number][], run: () => Promise<T>): Promise<T> {
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - last - 1 >= STALL_MS) into.push([performance.timeOrigin + last + 1, now - last - 1]);
    last = now;
  }, 1);
  try {
    return await run();
  } finally {
    clearInterval(timer);
  }
}

/**
 * The real run: the delays of sequential calls through roundRobin (latency less the
 * serving node's service time) short of a stall, then each compared balancer's figures after its warm-up,
 * timing the client's and the node process's stalls during its measured run.
 */
export async function realHeterogeneous(
  warmupMs: number,
  durationMs: number,
): Promise<{ delayMs: number[]; runs: Record<string, RealRun> }> {
  const all = contenders();
  const nodes = await spawnWorkerNodes(SERVICE_MS);
  try {
    const [[samples]] = (await alternate([COMPARED.roundRobin!(all)], 1, nodes, async (driver) => {
      await overheadSamples(driver, 200);
      return overheadSamples(driver, 1000);
    })) as [[number[]]];
    const measured = await alternate(
      BALANCERS.map((label) => COMPARED[label]!(all)),
      1,
      nodes,
      async (driver) => {
        await load(driver, warmupMs, CAPACITY);
        await nodes.stalls();
        const timed: [number, number][] = [];
        const start = performance.timeOrigin + performance.now();
        const run = await timingStalls(timed, () => load(driver, durationMs, CAPACITY));
        timed.push(...(await nodes.stalls()).samples);
        const stalls: Stalls = timed.filter(([at]) => at >= start).map(([at, ms]) => [at - start, ms]);
        return { run, stalls };
      },
    );
    const runs: Record<string, RealRun> = {};
    for (const [i, label] of BALANCERS.entries()) {
      const { run, stalls } = measured[i]![0]!;
      const done = run.completed - run.failed;
      runs[label] = {
        callsPerSecond: run.rps,
        p99: run.latencyMs.p99,
        shares: Object.fromEntries(IDS.map((id) => [id, (run.perNode[id] ?? 0) / Math.max(1, done)])),
        stalls,
      };
    }
    // Longer delays are stalls, which the runs' own replay: keep the delays short of one.
    const median = samples!.sort((a, b) => a - b)[samples!.length >> 1]!;
    return { delayMs: samples!.filter((ms) => ms < median + STALL_MS), runs };
  } finally {
    await nodes.stop();
  }
}
