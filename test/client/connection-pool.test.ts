// A client's connections are subchannels of one grpc-js channel (ConnectionPool). That channel
// routes no call, so grpc-js sees it idle and, after `grpc.client_idle_timeout_ms`, drops its
// load-balancing policy; the client's connections and new ones must not care.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { useEchoCluster } from '../helpers/echo-cluster.js';
import { countBy } from '../helpers/echo-nodes.js';
import { manualResolver } from '../helpers/manual-resolver.js';

describe('the connection pool', () => {
  const cluster = useEchoCluster();

  it('keeps its connections and opens new ones after its grpc-js channel went idle', async () => {
    await cluster.start(2);
    const manual = manualResolver();
    // 1 s is grpc-js' shortest idle timeout (the default is 30 min).
    const client = cluster.client({ resolver: manual.resolver, grpcOptions: { 'grpc.client_idle_timeout_ms': 1000 } });
    manual.set([{ address: cluster.addresses[0]! }]);
    expect((await client.unary({ text: 'a' })).nodeId).toBe('node-0');
    // Past the idle timeout (no event says it passed): the pool channel has gone idle.
    await sleep(1500);
    manual.set([{ address: cluster.addresses[0]! }, { address: cluster.addresses[1]! }]);
    await client.ready({ all: true, timeoutMs: 3000 });
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => client.unary({ text: `${i}` })));
    expect(countBy(replies, (r) => r.nodeId)).toEqual({ 'node-0': 5, 'node-1': 5 });
  });
});
