import {
  type MeterProvider,
  metrics,
  propagation,
  type TextMapPropagator,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { Telemetry } from '../telemetry.js';
import { clientTelemetry, type OtelTools } from './client-telemetry.js';
import { createInstruments } from './instruments.js';
import { serverTelemetry } from './server-telemetry.js';

/** Options of {@link openTelemetry}; each defaults to the one registered globally with `@opentelemetry/api`. */
export interface OpenTelemetryOptions {
  /** Where spans go (default: the global tracer provider, e.g. the one the Node SDK registers). */
  readonly tracerProvider?: TracerProvider;
  /** Where metrics go (default: the global meter provider). */
  readonly meterProvider?: MeterProvider;
  /**
   * Writes the call's context into request metadata and reads it on the node (default: the
   * global propagator; register `W3CTraceContextPropagator` from `@opentelemetry/core`, as
   * the Node SDK does, for `traceparent` / `tracestate`).
   */
  readonly propagator?: TextMapPropagator;
}

/**
 * OpenTelemetry tracing and metrics for clients and server nodes: give the result to
 * `createClient(Svc, { telemetry })` and `createServer({ telemetry })`.
 *
 * - Spans, named `pkg.Service/Method` with the RPC semantic-convention attributes
 *   (`rpc.system`, `rpc.service`, `rpc.method`, `rpc.grpc.status_code`): a CLIENT span per
 *   call, with an `attempt` event per attempt (`switchboard.attempt`,
 *   `switchboard.endpoint.id`, `server.address`, `server.port`, its status) and the last
 *   node picked as attributes; a SERVER span per handled call, a child of the caller's
 *   through the propagated context. Non-OK calls end with an error status.
 * - Metrics of gRFC A66, in seconds: `grpc.client.attempt.started`,
 *   `grpc.client.attempt.duration`, `grpc.client.call.duration`, `grpc.server.call.started`,
 *   `grpc.server.call.duration` (attributes `grpc.method`, `grpc.target` = the client's
 *   service, `grpc.status`), and the balancer's own: `switchboard.client.picks` (a counter)
 *   and `switchboard.client.endpoint.in_flight` (an observable gauge), by
 *   `switchboard.endpoint.id`.
 *
 * Importing `switchboard/otel` loads `@opentelemetry/api` (an optional peer dependency);
 * the main entry point never does.
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): Telemetry {
  const tracerProvider = options.tracerProvider ?? trace.getTracerProvider();
  const meterProvider = options.meterProvider ?? metrics.getMeterProvider();
  const tools: OtelTools = {
    tracer: tracerProvider.getTracer('switchboard'),
    propagator: options.propagator ?? propagation,
    instruments: createInstruments(meterProvider.getMeter('switchboard')),
  };
  return {
    client: (service, endpoints) => clientTelemetry(tools, service, endpoints),
    server: (nodeId) => serverTelemetry(tools, nodeId),
  };
}
