import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { balancers, type Client, type ServerInterceptor, seededRandom } from 'switchboard';
import type { ResolvedEndpoint, Resolver } from 'switchboard/extend';
import type { Echo } from '../gen/echo.js';
import { useEchoCluster } from '../helpers/echo-cluster.js';
import { type CallRecord, runLoad } from '../helpers/load.js';

/** Share of the successful calls started in [fromMs, toMs) that went to `node`. */
function shareOf(records: readonly CallRecord[], node: string, fromMs: number, toMs: number): number {
  const window = records.filter((r) => r.node !== undefined && r.startedMs >= fromMs && r.startedMs < toMs);
  return window.filter((r) => r.node === node).length / Math.max(1, window.length);
}

/** Closed-loop unary calls for `durationMs` while `meanwhile` runs; no call may fail. */
async function loadWhile(
  client: Client<typeof Echo>,
  concurrency: number,
  durationMs: number,
  meanwhile: () => Promise<void> = async () => {},
): Promise<CallRecord[]> {
  await client.ready({ all: true });
  const [records] = await Promise.all([
    runLoad({
      concurrency,
      durationMs,
      maxCalls: 50_000,
      call: async () => (await client.unary({ text: 'x' })).nodeId,
    }),
    meanwhile(),
  ]);
  expect(records.filter((r) => r.error !== undefined)).toEqual([]);
  return records;
}

/** A resolver whose list the test sets. */
function pushResolver(
  initial: readonly ResolvedEndpoint[],
): Resolver & { set(list: readonly ResolvedEndpoint[]): void } {
  let list = initial;
  let listener: ((endpoints: readonly ResolvedEndpoint[]) => void) | undefined;
  return {
    source: 'test',
    subscribe: (_service, onChange) => {
      listener = onChange;
      onChange(list);
      return () => {
        listener = undefined;
      };
    },
    set(next) {
      list = next;
      listener?.(list);
    },
  };
}

describe('load-aware balancing on real nodes', () => {
  const cluster = useEchoCluster();

  /**
   * A server interceptor that queues the node's calls on one worker of `serviceMs` per call
   * (FIFO); `busyMs` adds up the service time of the calls it has served.
   */
  function singleWorker(state: { serviceMs: number; busyMs?: number }): ServerInterceptor {
    let freeAt = 0;
    return async (_call, next) => {
      const now = performance.now();
      const serviceMs = state.serviceMs;
      freeAt = Math.max(now, freeAt) + serviceMs;
      await sleep(freeAt - now);
      state.busyMs = (state.busyMs ?? 0) + serviceMs;
      return next();
    };
  }

  it('leastLoad moves calls away from a node that turns 10x slower and back when it recovers', async () => {
    const workers = [{ serviceMs: 2 }, { serviceMs: 2 }, { serviceMs: 2 }];
    await cluster.start(3, (i) => ({ interceptors: [singleWorker(workers[i]!)] }));
    // A short τ, so that the recovered node is probed again within the test's time.
    const client = cluster.client({
      balancer: balancers.leastLoad({ random: seededRandom(11) }),
      latencyDecayMs: 300,
    });
    const records = await loadWhile(client, 12, 7000, async () => {
      await sleep(1500);
      workers[0]!.serviceMs = 20;
      await sleep(2000);
      workers[0]!.serviceMs = 2;
    });
    expect(shareOf(records, 'node-0', 500, 1500)).toBeGreaterThan(0.22);
    // 10x slower, its capacity share is 1/21: far less than its third.
    expect(shareOf(records, 'node-0', 2000, 3500)).toBeLessThan(0.1);
    // Back to a third, give or take the noise of a busy machine.
    expect(shareOf(records, 'node-0', 5000, 7000)).toBeGreaterThan(0.15);
  });

  it('leastLoad sends a new node one call at a time until its first answer', async () => {
    await cluster.start(2, () => ({ serviceMs: 5 }));
    let concurrent = 0;
    let maxBeforeFirstAnswer = 0;
    let answered = false;
    await cluster.startNode('fresh', {
      serviceMs: 40,
      interceptors: [
        async (_call, next) => {
          concurrent++;
          if (!answered) maxBeforeFirstAnswer = Math.max(maxBeforeFirstAnswer, concurrent);
          try {
            return await next();
          } finally {
            concurrent--;
            answered = true;
          }
        },
      ],
    });
    const resolver = pushResolver(cluster.nodes.slice(0, 2).map((n) => ({ address: n.address })));
    const client = cluster.client({ resolver, balancer: balancers.leastLoad({ random: seededRandom(12) }) });
    const records = await loadWhile(client, 16, 2000, async () => {
      await sleep(500);
      resolver.set(cluster.nodes.map((n) => ({ address: n.address })));
    });
    expect(answered).toBe(true);
    expect(maxBeforeFirstAnswer).toBe(1);
    // 8x slower than the others, it keeps a small share once it has samples.
    const share = shareOf(records, 'fresh', 1000, 2000);
    expect(share).toBeGreaterThan(0);
    expect(share).toBeLessThan(0.15);
  });

  it('weighted({ dynamic }) converges to the capacity ratio of its nodes from their reports', async () => {
    // One worker each at 2, 4 and 6 ms: capacities 500, 250 and 167 calls/s, a 6 : 3 : 2 ratio.
    const workers = [2, 4, 6].map((serviceMs) => ({ serviceMs, busyMs: 0 }));
    const nodes = await cluster.start(3, (i) => ({
      interceptors: [singleWorker(workers[i]!)],
      loadReport: { intervalMs: 200 },
    }));
    // Each node reports its worker's busy share as its utilization, as an application would.
    const reporting = setInterval(() => {
      nodes.forEach((node, i) => {
        const worker = workers[i]!;
        node.server.reportLoad({ utilization: worker.busyMs / 200 });
        worker.busyMs = 0;
      });
    }, 200);
    try {
      const client = cluster.client({
        balancer: balancers.weighted({
          random: seededRandom(13),
          dynamic: { blackoutPeriodMs: 500, weightUpdatePeriodMs: 200 },
        }),
      });
      const records = await loadWhile(client, 12, 4000);
      const ideal = [6 / 11, 3 / 11, 2 / 11];
      nodes.forEach((node, i) => {
        const share = shareOf(records, node.id, 2000, 4000);
        expect(Math.abs(share - ideal[i]!) / ideal[i]!).toBeLessThan(0.1);
      });
    } finally {
      clearInterval(reporting);
    }
  });
});
