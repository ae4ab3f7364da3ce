// An endpoint whose connection failed reads `failing` until it connects, the attempts in
// between included, as a grpc-js channel stays in TRANSIENT_FAILURE while it retries (gRFC
// A62): stats, the status page and the error of a call that waited say the same throughout.
// And an endpoint that reads ready takes calls from the next pick on: the balancer is given the
// endpoints that became ready once per turn of the event loop, or at a pick before that.
import { once } from 'node:events';
import { type AddressInfo, createServer as tcpServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { balancers, Status } from 'switchboard';
import { useEchoCluster } from '../helpers/echo-cluster.js';
import { manualResolver } from '../helpers/manual-resolver.js';
import { rejection } from '../helpers/rejection.js';

const cluster = useEchoCluster();

describe('the state of an endpoint that fails to connect', () => {
  it('stays failing through its next attempts until one connects, then ready', async () => {
    // A TCP server that accepts and never speaks HTTP/2: every attempt hangs until the connect timeout.
    const sockets = new Set<Socket>();
    const silent = tcpServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const port = (silent.address() as AddressInfo).port;
    const client = cluster.client({
      endpoints: [`127.0.0.1:${port}`],
      connectTimeoutMs: 150,
      waitForReadyMs: 400,
      healthCheck: false,
    });
    const state = () => client.stats().endpoints[0]!.state;
    await expect.poll(state, { timeout: 5_000, interval: 10 }).toBe('failing');
    // Each new attempt spends 150 ms connecting; sampled every 10 ms over several of them.
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      seen.add(state());
      await sleep(10);
    }
    expect([...seen]).toEqual(['failing']);
    expect(sockets.size).toBeGreaterThan(0);
    const error = await rejection(client.unary({ text: 'x' }));
    expect(error.code).toBe(Status.UNAVAILABLE);
    expect(error.details).toContain(`127.0.0.1:${port} failing (no connection within 150 ms`);
    // A node on the same port: the next attempt connects.
    for (const socket of sockets) socket.destroy();
    silent.close();
    await once(silent, 'close');
    await cluster.startNode('late', { listenPort: port });
    await expect.poll(state, { timeout: 5_000, interval: 20 }).toBe('ready');
    await expect(client.unary({ text: 'now' })).resolves.toMatchObject({ nodeId: 'late' });
  });
});

describe('an endpoint that reads ready', () => {
  it('takes calls from the next pick on, in the same turn of the event loop', async () => {
    const [a, b] = await cluster.start(2);
    const { resolver, set } = manualResolver();
    const client = cluster.client({ resolver, balancer: balancers.roundRobin(), healthCheck: false });
    set([{ address: a!.address }]);
    await client.ready();
    set([{ address: a!.address }, { address: b!.address }]);
    const states = () => client.stats().endpoints.map((e) => e.state);
    // Checked at every turn, before the client's own setImmediate work of that turn: the first
    // turn both read ready, two calls go out at once, one to each.
    while (states().length < 2 || !states().every((state) => state === 'ready')) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    const answers = await Promise.all([client.unary({ text: '1' }), client.unary({ text: '2' })]);
    expect(answers.map((answer) => answer.nodeId).sort()).toEqual([a!.id, b!.id]);
  });
});
