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

/** The contenders compared, by the simulator's balancer label. */
const COMPARED: Record<string, (list: Contender[]) => Contender> = {
  roundRobin: (list) => list.find((c) => c.name === 'roundRobin()')!,
  weighted: () => oracle(SERVICE_MS),
  leastLoad: (list) => list.find((c) => c.name === 'leastLoad()')!,
};

/** The simulator's scenario of the benchmark, with the measured per-call overhead. */
export function heterogeneousScenario(overheadMs: readonly number[], warmupMs: number, durationMs: number): Scenario {
  const slowest = Math.max(...SERVICE_MS);
  return {
    name: 'heterogeneous',
    nodes: SERVICE_MS.map((serviceMs, i) => ({ name: IDS[i]!, count: 1, serviceMs, weight: slowest / serviceMs })),
    clients: { count: 1, mode: 'closed', concurrency: CONCURRENCY },
    balancers: Object.keys(COMPARED),
    warmupMs,
    durationMs,
    overheadMs,
  };
}

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

/** The real run: the overhead samples, then each compared balancer's figures after its warm-up. */
export async function realHeterogeneous(
  warmupMs: number,
  durationMs: number,
): Promise<{ overheadMs: number[]; figures: Record<string, Figures> }> {
  const all = contenders();
  const labels = Object.keys(COMPARED);
  const nodes = await spawnWorkerNodes(SERVICE_MS);
  try {
    const [[overheadMs]] = (await alternate([COMPARED.roundRobin!(all)], 1, nodes, async (driver) => {
      await overheadSamples(driver, 200);
      return overheadSamples(driver, 1000);
    })) as [[number[]]];
    const runs = await alternate(
      labels.map((label) => COMPARED[label]!(all)),
      1,
      nodes,
      async (driver) => {
        await load(driver, warmupMs, CAPACITY);
        return load(driver, durationMs, CAPACITY);
      },
    );
    const figures: Record<string, Figures> = {};
    for (const [i, label] of labels.entries()) {
      const run = runs[i]![0]!;
      const done = run.completed - run.failed;
      figures[label] = {
        callsPerSecond: run.rps,
        p99: run.latencyMs.p99,
        shares: Object.fromEntries(IDS.map((id) => [id, (run.perNode[id] ?? 0) / Math.max(1, done)])),
      };
    }
    return { overheadMs: overheadMs!, figures };
  } finally {
    await nodes.stop();
  }
}
