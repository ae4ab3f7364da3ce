import { describe, expect, it } from 'vitest';
import { type Balancer, balancers, type Client, seededRandom } from 'switchboard';
import type { Echo } from '../gen/echo.js';
import { useEchoCluster } from '../helpers/echo-cluster.js';
import { countBy, type EchoNodeOptions } from '../helpers/echo-nodes.js';

// The distributions each balancer promises, measured through a real client on real nodes.
describe('balancers through a client on real nodes', () => {
  const cluster = useEchoCluster();

  async function setUp(count: number, balancer: Balancer, options: (i: number) => EchoNodeOptions = () => ({})) {
    await cluster.start(count, options);
    const client = cluster.client({ balancer });
    await client.ready({ all: true });
    return client;
  }

  async function sequential(c: Client<typeof Echo>, calls: number): Promise<Record<string, number>> {
    const served: string[] = [];
    for (let i = 0; i < calls; i++) served.push((await c.unary({ text: String(i) })).nodeId);
    return countBy(served, (id) => id);
  }

  it('roundRobin: 300 calls over 3 nodes, each node 100 ± 1', async () => {
    const c = await setUp(3, balancers.roundRobin({ random: seededRandom(1) }));
    const counts = await sequential(c, 300);
    for (const node of cluster.nodes) expect(Math.abs((counts[node.id] ?? 0) - 100)).toBeLessThanOrEqual(1);
  });

  it('weighted: nodes announcing weights 1, 2, 3 get 1/6, 2/6, 3/6 of 600 calls within 1%', async () => {
    const c = await setUp(3, balancers.weighted(), (i) => ({ weight: i + 1 }));
    expect(c.stats().endpoints.map((e) => e.weight)).toEqual([1, 2, 3]);
    const counts = await sequential(c, 600);
    cluster.nodes.forEach((node, i) => {
      expect(Math.abs((counts[node.id] ?? 0) / 600 - (i + 1) / 6)).toBeLessThanOrEqual(0.01);
    });
  });

  it('leastLoad: a node 3x faster gets at least 2x the calls of the slow one', async () => {
    const c = await setUp(2, balancers.leastLoad({ random: seededRandom(7) }), (i) => ({
      serviceMs: i === 0 ? 10 : 30,
    }));
    const served: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < 600) {
          next++;
          served.push((await c.unary({ text: 'x' })).nodeId);
        }
      }),
    );
    const counts = countBy(served, (id) => id);
    expect(counts['node-0']! / counts['node-1']!).toBeGreaterThanOrEqual(2);
  });
});
