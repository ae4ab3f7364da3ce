// A client's connections are subchannels of one grpc-js channel (ConnectionPool). That channel
// routes no call, so grpc-js sees it idle and, after `grpc.client_idle_timeout_ms`, drops its
// load-balancing policy; the client's connections and new ones must not care. Each connection
// goes through an HTTP proxy by grpc-js' own rule (grpc_proxy, no_proxy), as a channel would.
import { once } from 'node:events';
import { createServer as httpServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
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

describe('connections through a proxy', () => {
  const cluster = useEchoCluster();

  it('tunnels each connection through the HTTP CONNECT proxy grpc_proxy names', async () => {
    await cluster.start(2);
    const tunnels: string[] = [];
    const proxy = httpServer();
    proxy.on('connect', (request, socket) => {
      tunnels.push(request.url!);
      const [host, port] = request.url!.split(':');
      const upstream = connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    const saved = {
      grpc_proxy: process.env.grpc_proxy,
      no_proxy: process.env.no_proxy,
      no_grpc_proxy: process.env.no_grpc_proxy,
    };
    try {
      process.env.grpc_proxy = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      delete process.env.no_proxy;
      delete process.env.no_grpc_proxy;
      const client = cluster.client();
      await client.ready({ all: true });
      const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => client.unary({ text: `${i}` })));
      expect(countBy(replies, (r) => r.nodeId)).toEqual({ 'node-0': 5, 'node-1': 5 });
      expect(tunnels.sort()).toEqual([...cluster.addresses].sort());
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      proxy.closeAllConnections();
      proxy.close();
    }
  });
});
