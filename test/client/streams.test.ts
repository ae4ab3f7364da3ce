import { describe, expect, it } from 'vitest';
import { type Balancer, balancers, seededRandom } from 'switchboard';
import type { EchoReply, EchoRequest } from '../gen/echo.js';
import { useEchoCluster } from '../helpers/echo-cluster.js';
import { countBy } from '../helpers/echo-nodes.js';

// Each stream is one pick: it stays on its node, and while open it counts in the node's in-flight load.
describe('streams through each balancer', () => {
  const cluster = useEchoCluster();

  /** Every node id a stream's replies came from. */
  async function nodesOf(replies: AsyncIterable<EchoReply>): Promise<Set<string>> {
    const ids = new Set<string>();
    for await (const reply of replies) ids.add(reply.nodeId);
    return ids;
  }

  async function* requests(texts: readonly string[]): AsyncGenerator<EchoRequest> {
    for (const text of texts) yield { text, delayMs: 5, count: 0, failCode: 0 };
  }

  const cases: [string, () => Balancer, number][] = [
    ['roundRobin', () => balancers.roundRobin({ random: seededRandom(1) }), 10],
    ['weighted', () => balancers.weighted({ random: seededRandom(1) }), 10],
    ['leastLoad', () => balancers.leastLoad({ random: seededRandom(1) }), 7],
    ['random', () => balancers.random({ random: seededRandom(3) }), 5],
    ['consistentHash', () => balancers.consistentHash({ algorithm: 'maglev' }), 5],
    ['zoneAware', () => balancers.zoneAware(() => balancers.roundRobin({ random: seededRandom(1) }), { zone: '' }), 10],
    ['route', () => balancers.route({ subsets: { all: {} }, rules: [{ to: 'all' }] }), 8],
  ];

  it.each(cases)('%s: 30 server and bidi streams spread over 3 nodes, each on one node', async (_, make, atLeast) => {
    const nodes = await cluster.start(3);
    const c = cluster.client({ balancer: make() });
    await c.ready({ all: true });
    const streams = Array.from({ length: 30 }, (_, i) =>
      i % 2 === 0
        ? nodesOf(c.serverStream({ text: `s${i}`, count: 4, delayMs: 10 }, { key: `stream-${i}` }))
        : nodesOf(c.bidi(requests(['a', 'b', 'c', 'd']), { key: `stream-${i}` })),
    );
    const owners = await Promise.all(streams);
    for (const ids of owners) expect(ids.size).toBe(1);
    const perNode = countBy(owners, (ids) => [...ids][0]!);
    for (const node of nodes) expect(perNode[node.id] ?? 0).toBeGreaterThanOrEqual(atLeast);
  });

  it('leastLoad counts long-lived streams as in-flight and sends calls to the other nodes', async () => {
    await cluster.start(3);
    // Every bidi stream is pinned by one key to one node; unary calls go through leastLoad.
    const c = cluster.client({
      balancer: balancers.leastLoad({ random: seededRandom(5) }),
      methods: { bidi: { balancer: balancers.consistentHash() } },
    });
    await c.ready({ all: true });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    async function* held(): AsyncGenerator<EchoRequest> {
      yield { text: 'open', delayMs: 0, count: 0, failCode: 0 };
      await released;
    }
    const streams = Array.from({ length: 10 }, () => c.bidi(held(), { key: 'pinned' })[Symbol.asyncIterator]());
    const firsts = await Promise.all(streams.map((s) => s.next()));
    const pinned = (firsts[0]!.value as EchoReply).nodeId;
    expect(new Set(firsts.map((f) => (f.value as EchoReply).nodeId))).toEqual(new Set([pinned]));
    expect(c.stats().endpoints.find((e) => e.id === pinned)!.inFlight).toBe(10);

    const served: string[] = [];
    for (let i = 0; i < 60; i++) served.push((await c.unary({ text: 'x' })).nodeId);
    expect(served).not.toContain(pinned);
    expect(new Set(served).size).toBe(2);

    release();
    for (const s of streams) expect((await s.next()).done).toBe(true);
    expect(c.stats().endpoints.find((e) => e.id === pinned)!.inFlight).toBe(0);
  });
});
