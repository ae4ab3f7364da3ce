// Each of a client's connections is a grpc-js subchannel of its own (ConnectionPool): a
// connection the client lets go closes at once (grpc-js' subchannel pool kept it until its
// next sweep, up to 10 s). Each connection goes through an HTTP proxy by grpc-js' own rule
// (grpc_proxy, no_proxy), as a channel would.
import { once } from 'node:events';
import { createServer as httpServer } from 'node:http';
import { connect, createServer as tcpServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { useEchoCluster } from '../helpers/echo-cluster.js';
import { countBy } from '../helpers/echo-nodes.js';
import { manualResolver } from '../helpers/manual-resolver.js';

/** A TCP relay to `target` that knows its open connections. */
async function relay(target: string) {
  const open = new Set<Socket>();
  const [host, port] = target.split(':');
  const server = tcpServer((socket) => {
    open.add(socket);
    const upstream = connect(Number(port), host);
    socket.pipe(upstream);
    upstream.pipe(socket);
    const end = () => {
      open.delete(socket);
      socket.destroy();
      upstream.destroy();
    };
    socket.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    open,
    close: () => {
      for (const socket of open) socket.destroy();
      server.close();
    },
  };
}

describe('the connection pool', () => {
  const cluster = useEchoCluster();

  it('closes the connection of an endpoint the resolver drops at once', async () => {
    await cluster.start(2);
    const front = await relay(cluster.addresses[0]!);
    try {
      const manual = manualResolver();
      const client = cluster.client({ resolver: manual.resolver });
      manual.set([{ address: front.address }, { address: cluster.addresses[1]! }]);
      await client.ready({ all: true, timeoutMs: 3000 });
      expect(front.open.size).toBe(1);
      manual.set([{ address: cluster.addresses[1]! }]);
      await vi.waitFor(() => expect(front.open.size).toBe(0), { timeout: 1000, interval: 20 });
      const replies = await Promise.all(Array.from({ length: 4 }, (_, i) => client.unary({ text: `${i}` })));
      expect(countBy(replies, (r) => r.nodeId)).toEqual({ 'node-1': 4 });
    } finally {
      front.close();
    }
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
