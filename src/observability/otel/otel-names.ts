import type { Metadata } from '@grpc/grpc-js';
import { type Attributes, SpanStatusCode, type Span, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { RpcError } from '../../common/rpc-error.js';
import { type Status, statusName } from '../../common/status.js';

// The attribute names of the OpenTelemetry RPC semantic conventions (spans) and of gRFC
// A66 (metrics); the `switchboard.*` ones carry what only a client-side balancer knows.

/** A66 latency buckets, in seconds (0 to 100 s, fine below 10 ms). */
export const LATENCY_BUCKETS = [
  0, 0.00001, 0.00005, 0.0001, 0.0003, 0.0006, 0.0008, 0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.008, 0.01, 0.013,
  0.016, 0.02, 0.025, 0.03, 0.04, 0.05, 0.065, 0.08, 0.1, 0.13, 0.16, 0.2, 0.25, 0.3, 0.4, 0.5, 0.65, 0.8, 1, 2, 5, 10,
  20, 50, 100,
];

/** A method path `/pkg.Service/Method` as spans and metrics name it. */
interface MethodNames {
  /** `pkg.Service/Method`: the span name and A66's `grpc.method`. */
  readonly name: string;
  /** `rpc.*` attributes of its spans. */
  readonly span: Attributes;
}

/** The names of `path`, e.g. `/demo.Greeter/SayHello`. */
export function methodNames(path: string): MethodNames {
  const name = path.startsWith('/') ? path.slice(1) : path;
  const slash = name.lastIndexOf('/');
  return {
    name,
    span: { 'rpc.system': 'grpc', 'rpc.service': name.slice(0, slash), 'rpc.method': name.slice(slash + 1) },
  };
}

/** The status code a call ended with: an `RpcError`'s, `otherwise` for anything else thrown. */
export function codeOf(error: unknown, otherwise: Status): Status {
  return error instanceof RpcError ? error.code : otherwise;
}

/**
 * Ends `span` with its status code. `isError` says which codes mark the span as failed:
 * every non-OK one on a client, the server's own failures on a server (semantic conventions).
 */
export function endSpan(span: Span, code: Status, error: unknown, isError: (code: Status) => boolean): void {
  span.setAttribute('rpc.grpc.status_code', code);
  if (isError(code)) {
    const message = error instanceof Error ? error.message : statusName(code);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
  }
  span.end();
}

/** A66's `grpc.status` attribute: the code's canonical name (`OK`, `UNAVAILABLE`, ...). */
export const statusAttribute = statusName;

/** Reads propagation headers (`traceparent`, `tracestate`, ...) from request metadata. */
export const metadataGetter: TextMapGetter<Metadata> = {
  keys: (metadata) => Object.keys(metadata.getMap()),
  get: (metadata, key) => {
    const values = metadata.get(key).filter((v): v is string => typeof v === 'string');
    return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
  },
};

/** Writes propagation headers into request metadata. */
export const metadataSetter: TextMapSetter<Metadata> = {
  set: (metadata, key, value) => metadata.set(key, value),
};
