import { describe, expect, it } from 'vitest';
import { balancers, createMetrics, Status } from 'switchboard';
import { useEchoCluster } from '../helpers/echo-cluster.js';

const cluster = useEchoCluster();

/** The value of one sample line of the exposition text, e.g. `name{a="b"} 3`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.lastIndexOf('}'));
    const got = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('Prometheus metrics', () => {
  it('a scrape over HTTP shows client and server calls by method, node and code after known calls', async () => {
    const metrics = createMetrics();
    const nodes = [await cluster.startNode('node-a', { metrics }), await cluster.startNode('node-b', { metrics })];
    const client = cluster.client({
      balancer: balancers.roundRobin(),
      metrics,
      outlierDetection: false,
    });
    const endpoint = await metrics.serve({ port: 0 });
    try {
      await client.ready({ all: true });
      for (let i = 0; i < 10; i++) await client.unary({ text: 'ok' });
      for (let i = 0; i < 4; i++) await client.unary({ text: 'bad', failCode: Status.NOT_FOUND }).catch(() => {});
      for await (const _ of client.serverStream({ text: 's', count: 2 })) {
        // drain
      }
      const slow = client.unary({ text: 'slow', delayMs: 400 });
      await expect.poll(() => nodes.reduce((sum, n) => sum + n.server.inFlight, 0)).toBe(1);

      expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const response = await fetch(new URL('metrics', endpoint.url));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      await slow;

      const unary = { grpc_service: 'test.echo.Echo', grpc_method: 'Unary', grpc_type: 'unary' };
      for (const node of ['node-a', 'node-b']) {
        expect(sample(text, 'grpc_client_handled_total', { ...unary, grpc_code: 'OK', node })).toBe(5);
        expect(sample(text, 'grpc_client_handled_total', { ...unary, grpc_code: 'NOT_FOUND', node })).toBe(2);
        expect(sample(text, 'grpc_client_handling_seconds_count', { ...unary, node })).toBe(7);
        expect(sample(text, 'grpc_server_handled_total', { ...unary, grpc_code: 'OK', node })).toBe(5);
        expect(sample(text, 'grpc_server_handled_total', { ...unary, grpc_code: 'NOT_FOUND', node })).toBe(2);
        expect(sample(text, 'grpc_server_handling_seconds_count', { ...unary, node })).toBe(7);
      }
      const stream = { grpc_method: 'ServerStream', grpc_type: 'server_stream', grpc_code: 'OK' };
      const streamed = ['node-a', 'node-b'].map(
        (node) => sample(text, 'grpc_client_handled_total', { ...stream, node }) ?? 0,
      );
      expect(streamed.reduce((a, b) => a + b)).toBe(1);
      // The slow call is in flight on one node: picks count it, the in-flight gauges show it.
      const inFlight = ['node-a', 'node-b'].map((node) =>
        sample(text, 'grpc_client_in_flight', { grpc_service: 'test.echo.Echo', node }),
      );
      expect(inFlight.sort()).toEqual([0, 1]);
      const serverInFlight = ['node-a', 'node-b'].map((node) =>
        sample(text, 'grpc_server_in_flight', { ...unary, node }),
      );
      expect(serverInFlight.sort()).toEqual([0, 1]);
      const picks = ['node-a', 'node-b'].map(
        (node) => sample(text, 'switchboard_client_picks_total', { grpc_service: 'test.echo.Echo', node })!,
      );
      expect(picks.reduce((a, b) => a + b)).toBe(16);
      expect(
        sample(text, 'grpc_server_started_total', { ...unary, node: 'node-a' })! +
          sample(text, 'grpc_server_started_total', { ...unary, node: 'node-b' })!,
      ).toBe(15);

      expect((await fetch(new URL('nope', endpoint.url))).status).toBe(404);
    } finally {
      await endpoint.close();
    }
  });

  it('records nothing for clients and servers without metrics', async () => {
    const metrics = createMetrics();
    await cluster.startNode('node-a');
    const client = cluster.client();
    await client.unary({ text: 'ok' });
    const text = await metrics.text();
    expect(text).toContain('# TYPE grpc_client_handled_total counter');
    expect(text).not.toMatch(/^grpc_\w+\{/m);
  });
});
