// Each of a client's connections is a grpc-js subchannel of its own (ConnectionPool): a
// connection the client lets go is closed as soon as its calls end (grpc-js' subchannel pool
// kept it until its next sweep, up to 10 s), and a node's GOAWAY `too_many_pings` slows the
// keepalive pings of every connection, as on one grpc-js channel. Each connection goes
// through an HTTP proxy by grpc-js' own rule (grpc_proxy, no_proxy), as a channel would.
import { once } from 'node:events';
import { createServer as httpServer } from 'node:http';
import * as http2 from 'node:http2';
import { connect, createServer as tcpServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { useEchoCluster } from '../helpers/echo-cluster.js';
import { countBy } from '../helpers/echo-nodes.js';
import { manualResolver } from '../helpers/manual-resolver.js';

const PREFACE_BYTES = 24;
const FRAME_HEADER_BYTES = 9;
const PING = 0x6;
const ACK = 0x1;

/** Calls `onPing` for each PING (not an ack) in the client's side of an HTTP/2 connection. */
function pingReader(onPing: () => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  let skip = PREFACE_BYTES;
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      if (skip > 0) {
        const n = Math.min(skip, pending.length);
        pending = pending.subarray(n);
        skip -= n;
        if (skip > 0) return;
      }
      if (pending.length < FRAME_HEADER_BYTES) return;
      const length = pending.readUIntBE(0, 3);
      if (pending[3] === PING && (pending[4]! & ACK) === 0) onPing();
      skip = FRAME_HEADER_BYTES + length;
    }
  };
}

/** A TCP relay to `target` that knows its open connections, all it accepted and when the client pinged. */
async function relay(target: string) {
  const open = new Set<Socket>();
  const pings: number[] = [];
  let accepted = 0;
  const [host, port] = target.split(':');
  const server = tcpServer((socket) => {
    open.add(socket);
    accepted++;
    socket.on(
      'data',
      pingReader(() => pings.push(performance.now())),
    );
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
    pings,
    accepted: () => accepted,
    close: () => {
      for (const socket of open) socket.destroy();
      server.close();
    },
  };
}

describe('the connection pool', () => {
  const cluster = useEchoCluster();

  it('closes the connection of an endpoint the resolver drops, and does not dial it again', async () => {
    await cluster.start(2);
    const front = await relay(cluster.addresses[0]!);
    try {
      const manual = manualResolver();
      const client = cluster.client({ resolver: manual.resolver });
      manual.set([{ address: front.address }, { address: cluster.addresses[1]! }]);
      await client.ready({ all: true, timeoutMs: 3000 });
      expect(front.open.size).toBe(1);
      manual.set([{ address: cluster.addresses[1]! }]);
      // Within 3 s: grpc-js' subchannel pool swept its released subchannels every 10 s.
      await vi.waitFor(() => expect(front.open.size).toBe(0), { timeout: 3000, interval: 20 });
      const replies = await Promise.all(Array.from({ length: 4 }, (_, i) => client.unary({ text: `${i}` })));
      expect(countBy(replies, (r) => r.nodeId)).toEqual({ 'node-1': 4 });
      expect(front.open.size).toBe(0);
      expect(front.accepted()).toBe(1);
    } finally {
      front.close();
    }
  });

  it("slows every connection's keepalive pings when one node answers GOAWAY too_many_pings", async () => {
    await cluster.start(1);
    const watched = await relay(cluster.addresses[0]!);
    // A node that says too_many_pings when told to; it has no health service (UNIMPLEMENTED).
    const strict = http2.createServer();
    const sessions = new Set<http2.ServerHttp2Session>();
    strict.on('session', (session) => sessions.add(session));
    strict.on('stream', (stream) =>
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true }),
    );
    strict.listen(0, '127.0.0.1');
    await once(strict, 'listening');
    try {
      const strictAddress = `127.0.0.1:${(strict.address() as AddressInfo).port}`;
      // The health watch on the Switchboard node stays open, so its connection pings.
      const client = cluster.client({ endpoints: [watched.address, strictAddress], keepalive: { timeMs: 200 } });
      await client.ready({ all: true, timeoutMs: 3000 });
      await vi.waitFor(() => expect(watched.pings.length).toBeGreaterThanOrEqual(3), { timeout: 3000, interval: 20 });
      // The measure can tell: 200 ms apart before the GOAWAY (the least gap, as a late timer widens one).
      const gaps = watched.pings.slice(1).map((t, i) => t - watched.pings[i]!);
      expect(Math.min(...gaps)).toBeLessThan(390);
      for (const session of sessions)
        session.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, 0, Buffer.from('too_many_pings'));
      // The strict node's connection takes 400 ms as it reconnects; the others take it on theirs.
      await vi.waitFor(() => expect(sessions.size).toBe(2), { timeout: 2000, interval: 20 });
      for (const socket of watched.open) socket.destroy();
      await vi.waitFor(() => expect(watched.accepted()).toBe(2), { timeout: 2000, interval: 20 });
      const from = watched.pings.length;
      await vi.waitFor(() => expect(watched.pings.length - from).toBeGreaterThanOrEqual(2), {
        timeout: 3000,
        interval: 20,
      });
      const fresh = watched.pings.slice(from);
      // Timers never fire early: 400 ms apart at least (200 ms before the GOAWAY).
      expect(fresh[1]! - fresh[0]!).toBeGreaterThanOrEqual(390);
    } finally {
      watched.close();
      for (const session of sessions) session.destroy();
      strict.close();
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
