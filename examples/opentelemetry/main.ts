// OpenTelemetry tracing and gRFC A66 metrics for a client and its nodes: `openTelemetry()`
// from `switchboard/otel`, given to `createClient` and `createServer` as `telemetry`. The
// SDK here keeps spans and metrics in memory so the program can print them; in a service,
// register the Node SDK (OTLP exporters) instead and call `openTelemetry()` without options.
//
//   npx tsx examples/opentelemetry/main.ts

import { context, type HrTime, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { type DataPoint, type Histogram, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { balancers, createClient, createServer, RpcError, Status, seededRandom } from 'switchboard';
import { openTelemetry } from 'switchboard/otel';
import { Greeter } from '../greeter/gen/greeter.js';

/** A metric reader collected on demand (a real service exports on a timer, e.g. over OTLP). */
class OnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

// The SDK side, as an application sets it up: a context manager (so the caller's active
// span is the call's parent), spans to an exporter, metrics to a reader.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const reader = new OnDemandReader();
const meterProvider = new MeterProvider({ readers: [reader] });

// One Telemetry for the process; W3C `traceparent` carries the call's context to the nodes.
const telemetry = openTelemetry({ tracerProvider, meterProvider, propagator: new W3CTraceContextPropagator() });

async function startNode(nodeId: string, warmingUp: boolean) {
  const server = createServer({ nodeId, telemetry });
  let first = warmingUp;
  server.add(Greeter, {
    async sayHello(req) {
      if (first) {
        first = false;
        throw new RpcError(Status.UNAVAILABLE, `${nodeId} is warming up`);
      }
      if (req.name === '') throw new RpcError(Status.INVALID_ARGUMENT, 'name is required');
      return { message: `hello ${req.name}`, nodeId };
    },
  });
  const { address } = await server.listen('127.0.0.1:0');
  return { server, address };
}

// node-b fails its first call with UNAVAILABLE: that call is retried on node-a.
const nodes = [await startNode('node-a', false), await startNode('node-b', true)];
const client = createClient(Greeter, {
  endpoints: nodes.map((n) => n.address),
  balancer: balancers.roundRobin({ random: seededRandom(1) }),
  telemetry,
  deadlineMs: 2000,
});
await client.ready({ all: true });

// Three calls inside the application's own span; the last one has no name and fails.
const tracer = tracerProvider.getTracer('example');
await tracer.startActiveSpan('checkout', async (span) => {
  for (const name of ['ada', 'grace', '']) await client.sayHello({ name }).catch(() => {});
  span.end();
});

// The spans as a tree: each under its parent (the SERVER spans under the CLIENT span whose
// `traceparent` they received), siblings in start order; ids and timings left out.
const finished = spans.getFinishedSpans();
const children = (parent: string | undefined) =>
  finished
    .filter((s) => s.parentSpanContext?.spanId === parent)
    .sort((a, b) => seconds(a.startTime) - seconds(b.startTime));
const describe = (s: ReadableSpan): string => {
  const code = s.attributes['rpc.grpc.status_code'];
  const status =
    code === undefined ? '' : ` ${Status[code as number]}${s.status.code === SpanStatusCode.ERROR ? ' (error)' : ''}`;
  if (s.kind === SpanKind.SERVER) return `SERVER ${s.name}${status} on ${s.attributes['switchboard.node.id']}`;
  if (s.kind !== SpanKind.CLIENT) return s.name;
  const attempts = s.events
    .map((e) => {
      const a = e.attributes ?? {};
      const code = Status[a['rpc.grpc.status_code'] as number];
      return `#${a['switchboard.attempt']} ${a['switchboard.endpoint.id']} ${code}`;
    })
    .join(', ');
  return `CLIENT ${s.name}${status}, attempts: ${attempts}`;
};
const print = (parent: string | undefined, depth: number): void => {
  for (const s of children(parent)) {
    console.log(`${'  '.repeat(depth)}${describe(s)}`);
    print(s.spanContext().spanId, depth + 1);
  }
};
console.log('spans:');
print(undefined, 1);

// The metrics: A66's per-attempt, per-call and server-call instruments, and the balancer's.
const { resourceMetrics } = await reader.collect();
console.log('metrics:');
for (const metric of resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)) {
  const points = (metric.dataPoints as DataPoint<number | Histogram>[])
    .map((p) => {
      const attributes = Object.entries(p.attributes)
        .filter(([key]) => key !== 'grpc.method' && key !== 'grpc.target' && key !== 'switchboard.endpoint.address')
        .map(([key, value]) => `${key}=${value}`)
        .join(' ');
      const value = typeof p.value === 'number' ? p.value : `${p.value.count} recorded`;
      return `${attributes === '' ? '' : `${attributes}: `}${value}`;
    })
    .sort();
  console.log(`  ${metric.descriptor.name} [${metric.descriptor.unit}]: ${points.join('; ')}`);
}

await client.close();
await Promise.all(nodes.map(({ server }) => server.shutdown({ graceMs: 0 })));
await tracerProvider.shutdown();
await meterProvider.shutdown();

function seconds(time: HrTime): number {
  return time[0] + time[1] / 1e9;
}
