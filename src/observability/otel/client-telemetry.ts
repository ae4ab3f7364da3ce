import type { Metadata } from '@grpc/grpc-js';
import {
  type Attributes,
  context,
  type ObservableResult,
  type Span,
  SpanKind,
  type TextMapPropagator,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { Endpoint } from '../../balancer/balancer.js';
import type { ClientInterceptor } from '../../client/api/client-interceptor.js';
import { Status } from '../../common/status.js';
import type { AttemptEnd, ClientTelemetry, EndedAttempt } from '../telemetry.js';
import type { Instruments } from './instruments.js';
import { codeOf, endSpan, methodNames, metadataSetter, statusAttribute } from './otel-names.js';

/** What one `openTelemetry()` records with. */
export interface OtelTools {
  readonly tracer: Tracer;
  readonly propagator: TextMapPropagator;
  readonly instruments: Instruments;
}

/**
 * The telemetry of one client. Its interceptor runs outermost: it starts the call's CLIENT
 * span (a child of the active context), puts the span's context into the request metadata
 * (W3C `traceparent` with the default propagator) and records `grpc.client.call.duration`.
 * Each attempt is an `attempt` event on that span (endpoint, attempt number, status) and
 * is counted in A66's attempt metrics and the balancer's picks. The span of an attempt's
 * call is found by the metadata object the interceptor saw, which the call keeps.
 */
export function clientTelemetry(
  tools: OtelTools,
  target: string,
  endpoints: () => readonly Endpoint[],
): ClientTelemetry {
  const { tracer, propagator, instruments } = tools;
  const spans = new WeakMap<object, Span>();
  const interceptor: ClientInterceptor = async (call, next) => {
    const names = methodNames(call.method.path);
    const started = performance.now();
    const parent = context.active();
    const span = tracer.startSpan(names.name, { kind: SpanKind.CLIENT, attributes: names.span }, parent);
    const active = trace.setSpan(parent, span);
    propagator.inject(active, call.metadata, metadataSetter);
    spans.set(call.metadata, span);
    let code: Status = Status.OK;
    let failure: unknown;
    try {
      return await context.with(active, next);
    } catch (error) {
      code = codeOf(error, Status.UNKNOWN);
      failure = error;
      throw error;
    } finally {
      spans.delete(call.metadata);
      endSpan(span, code, failure, (c) => c !== Status.OK);
      instruments.callDuration.record((performance.now() - started) / 1000, {
        'grpc.method': names.name,
        'grpc.target': target,
        'grpc.status': statusAttribute(code),
      });
    }
  };
  const observeInFlight = (result: ObservableResult): void => {
    for (const e of endpoints()) result.observe(e.inFlight, endpointAttributes(target, e));
  };
  instruments.inFlight.addCallback(observeInFlight);
  return {
    interceptor,
    attempt: (endpoint, call, next) => {
      const method = { 'grpc.method': methodNames(call.path).name, 'grpc.target': target };
      instruments.attemptStarted.add(1, method);
      instruments.picks.add(1, { ...method, ...endpointAttributes(target, endpoint) });
      const span = spans.get(call.options.metadata as Metadata);
      span?.setAttributes({
        'switchboard.endpoint.id': endpoint.id,
        ...serverOf(endpoint),
        'switchboard.attempts': call.attempt,
      });
      return new AttemptRecord(instruments, method, span, call.attempt, next);
    },
    close: () => instruments.inFlight.removeCallback(observeInFlight),
  };
}

function endpointAttributes(target: string, endpoint: Endpoint): Attributes {
  return {
    'grpc.target': target,
    'switchboard.endpoint.id': endpoint.id,
    'switchboard.endpoint.address': endpoint.address,
  };
}

const servers = new WeakMap<Endpoint, Attributes>();

/** `server.address` (the host, without IPv6 brackets) and `server.port` of an endpoint, parsed once. */
function serverOf(endpoint: Endpoint): Attributes {
  let attributes = servers.get(endpoint);
  if (attributes === undefined) {
    const colon = endpoint.address.lastIndexOf(':');
    const host = endpoint.address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    attributes = { 'server.address': host, 'server.port': Number(endpoint.address.slice(colon + 1)) };
    servers.set(endpoint, attributes);
  }
  return attributes;
}

/** Records one attempt when it ends, then passes the end on to the client's own sink. */
class AttemptRecord<E extends Endpoint> implements AttemptEnd<E> {
  constructor(
    private readonly instruments: Instruments,
    private readonly method: { readonly 'grpc.method': string; readonly 'grpc.target': string },
    private readonly span: Span | undefined,
    private readonly attempt: number,
    private readonly next: AttemptEnd<E>,
  ) {}

  attemptEnded(ended: EndedAttempt<E>): void {
    const { endpoint, code } = ended;
    this.instruments.attemptDuration.record(ended.latencyMs / 1000, {
      ...this.method,
      'grpc.status': statusAttribute(code),
    });
    this.span?.addEvent('attempt', {
      'switchboard.attempt': this.attempt,
      'switchboard.endpoint.id': endpoint.id,
      ...serverOf(endpoint),
      'rpc.grpc.status_code': code,
    });
    this.next.attemptEnded(ended);
  }
}
