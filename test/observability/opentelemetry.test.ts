// The OpenTelemetry integration against the SDK's in-memory exporter and a metric reader
// collected on demand: real Echo nodes on 127.0.0.1, spans joined across the wire by W3C
// `traceparent`, gRFC A66 metrics and the balancer's per-endpoint picks.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { balancers, Status } from 'switchboard';
import { openTelemetry } from 'switchboard/otel';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useEchoCluster } from '../helpers/echo-cluster.js';

/** A reader the test collects from when it wants, instead of on a timer. */
class OnDemandReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const UNARY = 'test.echo.Echo/Unary';
const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
let reader: OnDemandReader;
let telemetry: ReturnType<typeof openTelemetry>;
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => context.setGlobalContextManager(contextManager.enable()));
afterAll(() => {
  context.disable();
  return tracerProvider.shutdown();
});
beforeEach(() => {
  spans.reset();
  reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  telemetry = openTelemetry({ tracerProvider, meterProvider, propagator: new W3CTraceContextPropagator() });
});

/** The metrics collected now, by name. */
async function collect(): Promise<Map<string, MetricData>> {
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  const byName = new Map<string, MetricData>();
  for (const scope of resourceMetrics.scopeMetrics) for (const m of scope.metrics) byName.set(m.descriptor.name, m);
  return byName;
}

/** The data points of `metric` whose attributes include `attributes`. */
function points(metric: MetricData | undefined, attributes: Record<string, unknown>): DataPoint<unknown>[] {
  expect(metric).toBeDefined();
  return ((metric as MetricData).dataPoints as DataPoint<unknown>[]).filter((p) =>
    Object.entries(attributes).every(([k, v]) => p.attributes[k] === v),
  );
}

/** The sum of a counter's (or gauge's) values over the points matching `attributes`. */
function total(metric: MetricData | undefined, attributes: Record<string, unknown> = {}): number {
  return points(metric, attributes).reduce((sum, p) => sum + (p.value as number), 0);
}

/** The number of recordings of a histogram over the points matching `attributes`. */
function count(metric: MetricData | undefined, attributes: Record<string, unknown> = {}): number {
  return points(metric, attributes).reduce((sum, p) => sum + (p.value as Histogram).count, 0);
}

function finished(kind: SpanKind, name = UNARY): ReadableSpan[] {
  return spans.getFinishedSpans().filter((s) => s.kind === kind && s.name === name);
}

describe('OpenTelemetry', () => {
  const cluster = useEchoCluster();

  it('a CLIENT span per call and a SERVER span per handled call, its child across the wire', async () => {
    const nodes = await cluster.start(2, () => ({ telemetry }));
    const client = cluster.client({ balancer: balancers.roundRobin(), telemetry, outlierDetection: false });
    await client.ready({ all: true });
    const outer = tracerProvider.getTracer('test').startSpan('outer');
    const seenInHandler: string[] = [];
    await context.with(trace.setSpan(context.active(), outer), async () => {
      for (let i = 0; i < 4; i++) {
        const reply = await client.unary({ text: `call ${i}` });
        seenInHandler.push(reply.nodeId);
      }
    });
    outer.end();

    const clients = finished(SpanKind.CLIENT);
    const servers = finished(SpanKind.SERVER);
    expect(clients).toHaveLength(4);
    expect(servers).toHaveLength(4);
    for (const span of clients) {
      expect(span.attributes).toMatchObject({
        'rpc.system': 'grpc',
        'rpc.service': 'test.echo.Echo',
        'rpc.method': 'Unary',
        'rpc.grpc.status_code': Status.OK,
        'switchboard.attempts': 1,
      });
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      // The caller's active span is the call's parent.
      expect(span.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
      expect(span.spanContext().traceId).toBe(outer.spanContext().traceId);
      expect(span.events.map((e) => e.name)).toEqual(['attempt']);
      const node = span.attributes['switchboard.endpoint.id'];
      const port = Number(nodes.find((n) => n.id === node)?.address.split(':')[1]);
      expect(span.attributes).toMatchObject({ 'server.address': '127.0.0.1', 'server.port': port });
      expect(span.events[0]?.attributes).toMatchObject({
        'switchboard.attempt': 1,
        'switchboard.endpoint.id': node,
        'rpc.grpc.status_code': Status.OK,
      });
      // Exactly one server span is its child, on the node the call went to.
      const children = servers.filter((s) => s.parentSpanContext?.spanId === span.spanContext().spanId);
      expect(children).toHaveLength(1);
      expect(children[0]?.spanContext().traceId).toBe(span.spanContext().traceId);
      expect(children[0]?.attributes).toMatchObject({
        'rpc.system': 'grpc',
        'rpc.service': 'test.echo.Echo',
        'rpc.method': 'Unary',
        'rpc.grpc.status_code': Status.OK,
        'switchboard.node.id': node,
      });
    }
    // Round robin over two nodes: two calls each.
    const byNode = clients.map((s) => s.attributes['switchboard.endpoint.id']).sort();
    expect(byNode).toEqual(['node-0', 'node-0', 'node-1', 'node-1']);
    expect(seenInHandler.sort()).toEqual(byNode);
  });

  it('traces every kind of stream: one CLIENT and one SERVER span per stream, ended when it ends', async () => {
    await cluster.start(1, () => ({ telemetry }));
    const client = cluster.client({ telemetry });
    const replies: string[] = [];
    for await (const reply of client.serverStream({ text: 's', count: 3 })) replies.push(reply.text);
    async function* requests() {
      yield { text: 'a' };
      yield { text: 'b' };
    }
    expect((await client.clientStream(requests())).text).toBe('a,b');
    for await (const reply of client.bidi(requests())) replies.push(reply.text);
    // A stream the caller leaves early ends CANCELLED.
    for await (const _ of client.serverStream({ text: 'early', count: 5, delayMs: 20 })) break;
    expect(replies).toEqual(['s', 's', 's', 'A', 'B']);

    for (const [method, code] of [
      ['ServerStream', Status.OK],
      ['ClientStream', Status.OK],
      ['Bidi', Status.OK],
    ] as const) {
      const [client] = finished(SpanKind.CLIENT, `test.echo.Echo/${method}`);
      expect(client?.attributes).toMatchObject({ 'rpc.method': method, 'rpc.grpc.status_code': code });
      expect(client?.events.map((e) => e.attributes?.['switchboard.attempt'])).toEqual([1]);
      const servers = finished(SpanKind.SERVER, `test.echo.Echo/${method}`);
      expect(servers.filter((s) => s.parentSpanContext?.spanId === client?.spanContext().spanId)).toHaveLength(1);
    }
    const early = finished(SpanKind.CLIENT, 'test.echo.Echo/ServerStream')[1];
    expect(early?.attributes['rpc.grpc.status_code']).toBe(Status.CANCELLED);
  });

  it('the handler runs inside its SERVER span', async () => {
    let active: string | undefined;
    await cluster.startNode('node-x', {
      telemetry,
      interceptors: [
        async (_call, next) => {
          active = trace.getActiveSpan()?.spanContext().spanId;
          return next();
        },
      ],
    });
    const client = cluster.client({ telemetry });
    await client.unary({ text: 'hi' });
    const [server] = finished(SpanKind.SERVER);
    expect(active).toBe(server?.spanContext().spanId);
  });

  it('non-OK calls end their spans with an error status and their code', async () => {
    await cluster.start(1, () => ({ telemetry }));
    const client = cluster.client({ telemetry, outlierDetection: false });
    await expect(client.unary({ text: 'nope', failCode: Status.NOT_FOUND })).rejects.toMatchObject({
      code: Status.NOT_FOUND,
    });
    await expect(client.unary({ text: 'throw' })).rejects.toMatchObject({ code: Status.INTERNAL });

    const [notFound, internal] = finished(SpanKind.CLIENT);
    expect(notFound?.attributes['rpc.grpc.status_code']).toBe(Status.NOT_FOUND);
    expect(notFound?.status.code).toBe(SpanStatusCode.ERROR);
    expect(notFound?.status.message).toContain('NOT_FOUND');
    expect(internal?.attributes['rpc.grpc.status_code']).toBe(Status.INTERNAL);
    expect(internal?.status.code).toBe(SpanStatusCode.ERROR);
    // On the node, NOT_FOUND is the caller's problem (no error status); INTERNAL is the node's.
    const [serverNotFound, serverInternal] = finished(SpanKind.SERVER);
    expect(serverNotFound?.attributes['rpc.grpc.status_code']).toBe(Status.NOT_FOUND);
    expect(serverNotFound?.status.code).toBe(SpanStatusCode.UNSET);
    expect(serverInternal?.attributes['rpc.grpc.status_code']).toBe(Status.INTERNAL);
    expect(serverInternal?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('a retried call shows each attempt as an event naming its node, and ends on the node that answered', async () => {
    await cluster.startNode('down', { telemetry, failWith: Status.UNAVAILABLE });
    await cluster.startNode('up', { telemetry });
    const client = cluster.client({
      balancer: balancers.roundRobin(),
      telemetry,
      outlierDetection: false,
      retry: { backoff: { initialMs: 1, maxMs: 1 } },
    });
    await client.ready({ all: true });
    for (let i = 0; i < 4; i++) expect((await client.unary({ text: `call ${i}` })).nodeId).toBe('up');

    const clients = finished(SpanKind.CLIENT);
    expect(clients).toHaveLength(4);
    const retried = clients.filter((s) => s.events.length === 2);
    expect(retried.length).toBeGreaterThanOrEqual(1);
    for (const span of retried) {
      expect(span.events.map((e) => e.attributes)).toMatchObject([
        { 'switchboard.attempt': 1, 'switchboard.endpoint.id': 'down', 'rpc.grpc.status_code': Status.UNAVAILABLE },
        { 'switchboard.attempt': 2, 'switchboard.endpoint.id': 'up', 'rpc.grpc.status_code': Status.OK },
      ]);
      expect(span.attributes).toMatchObject({ 'switchboard.endpoint.id': 'up', 'switchboard.attempts': 2 });
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      // Both nodes' spans are children of the call span.
      const children = finished(SpanKind.SERVER).filter(
        (s) => s.parentSpanContext?.spanId === span.spanContext().spanId,
      );
      expect(children.map((s) => s.attributes['switchboard.node.id']).sort()).toEqual(['down', 'up']);
    }

    const metrics = await collect();
    const attempts = 4 + retried.length;
    expect(total(metrics.get('grpc.client.attempt.started'), { 'grpc.method': UNARY })).toBe(attempts);
    const attemptDuration = metrics.get('grpc.client.attempt.duration');
    expect(count(attemptDuration, { 'grpc.status': 'UNAVAILABLE' })).toBe(retried.length);
    expect(count(attemptDuration, { 'grpc.status': 'OK' })).toBe(4);
    expect(count(metrics.get('grpc.client.call.duration'), { 'grpc.status': 'OK' })).toBe(4);
    expect(total(metrics.get('switchboard.client.picks'), { 'switchboard.endpoint.id': 'down' })).toBe(retried.length);
    expect(total(metrics.get('switchboard.client.picks'), { 'switchboard.endpoint.id': 'up' })).toBe(4);
  });

  const A66_TEST =
    'records the A66 metrics with their units and attributes, and the picks and in-flight calls per endpoint';
  it(A66_TEST, async () => {
    const nodes = await cluster.start(2, () => ({ telemetry }));
    const client = cluster.client({ balancer: balancers.roundRobin(), telemetry, outlierDetection: false });
    await client.ready({ all: true });
    for (let i = 0; i < 10; i++) await client.unary({ text: 'ok' });
    for (let i = 0; i < 4; i++) await client.unary({ text: 'bad', failCode: Status.NOT_FOUND }).catch(() => {});
    for await (const _ of client.serverStream({ text: 's', count: 2 })) {
      // drain
    }
    const slow = client.unary({ text: 'slow', delayMs: 400 });
    await expect.poll(() => nodes.reduce((sum, n) => sum + n.server.inFlight, 0)).toBe(1);
    const during = await collect();
    await slow;
    const metrics = await collect();

    const target = { 'grpc.target': 'test.echo.Echo' };
    const unary = { ...target, 'grpc.method': UNARY };
    const stream = { ...target, 'grpc.method': 'test.echo.Echo/ServerStream' };
    expect(total(metrics.get('grpc.client.attempt.started'), unary)).toBe(15);
    expect(total(metrics.get('grpc.client.attempt.started'), stream)).toBe(1);
    for (const name of ['grpc.client.attempt.duration', 'grpc.client.call.duration']) {
      const metric = metrics.get(name);
      expect(metric?.descriptor.unit).toBe('s');
      expect(count(metric, { ...unary, 'grpc.status': 'OK' })).toBe(11);
      expect(count(metric, { ...unary, 'grpc.status': 'NOT_FOUND' })).toBe(4);
      expect(count(metric, { ...stream, 'grpc.status': 'OK' })).toBe(1);
    }
    // The slow call took ≥ 400 ms: the sums are in seconds.
    const okCalls = points(metrics.get('grpc.client.call.duration'), { ...unary, 'grpc.status': 'OK' });
    const seconds = okCalls.reduce((sum, p) => sum + ((p.value as Histogram).sum ?? 0), 0);
    expect(seconds).toBeGreaterThan(0.4);
    expect(seconds).toBeLessThan(10);

    expect(total(metrics.get('grpc.server.call.started'), { 'grpc.method': UNARY })).toBe(15);
    const serverDuration = metrics.get('grpc.server.call.duration');
    expect(serverDuration?.descriptor.unit).toBe('s');
    expect(count(serverDuration, { 'grpc.method': UNARY, 'grpc.status': 'OK' })).toBe(11);
    expect(count(serverDuration, { 'grpc.method': UNARY, 'grpc.status': 'NOT_FOUND' })).toBe(4);

    // Round robin: the 16 picks split 8 / 8 over the two nodes.
    const picks = metrics.get('switchboard.client.picks');
    for (const node of ['node-0', 'node-1']) {
      expect(total(picks, { ...target, 'switchboard.endpoint.id': node })).toBe(8);
      expect(points(picks, { 'switchboard.endpoint.id': node })[0]?.attributes['switchboard.endpoint.address']).toBe(
        nodes.find((n) => n.id === node)?.address,
      );
    }
    // While the slow call ran, the gauge showed it on one endpoint; after it, on none.
    const inFlight = (m: Map<string, MetricData>, node: string) =>
      total(m.get('switchboard.client.endpoint.in_flight'), { ...target, 'switchboard.endpoint.id': node });
    expect([inFlight(during, 'node-0'), inFlight(during, 'node-1')].sort()).toEqual([0, 1]);
    expect([inFlight(metrics, 'node-0'), inFlight(metrics, 'node-1')]).toEqual([0, 0]);
  });

  it('the main entry point never loads @opentelemetry/api', () => {
    const root = fileURLToPath(new URL('../../src/', import.meta.url));
    const seen = new Set<string>();
    const loaded: string[] = [];
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      // Runtime imports only: `import type` and `export type` are erased.
      for (const m of source.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms)) {
        const specifier = m[1] as string;
        if (specifier.startsWith('.')) visit(path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts')));
        else loaded.push(specifier);
      }
    };
    visit(path.join(root, 'index.ts'));
    expect(seen.size).toBeGreaterThan(50);
    expect(loaded.filter((s) => s.startsWith('@opentelemetry/'))).toEqual([]);
    visit(path.join(root, 'otel.ts'));
    expect(loaded).toContain('@opentelemetry/api');
  });
});
