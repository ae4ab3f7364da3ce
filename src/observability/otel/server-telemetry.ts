import { context, SpanKind, trace } from '@opentelemetry/api';
import { Status } from '../../common/status.js';
import type { ServerInterceptor } from '../../server/server-interceptor.js';
import type { OtelTools } from './client-telemetry.js';
import { codeOf, endSpan, metadataGetter, methodNames, statusAttribute } from './otel-names.js';

/** Codes that are the server's failure, not the caller's (semantic conventions for gRPC server spans). */
const SERVER_ERRORS = new Set<Status>([
  Status.UNKNOWN,
  Status.DEADLINE_EXCEEDED,
  Status.UNIMPLEMENTED,
  Status.INTERNAL,
  Status.UNAVAILABLE,
  Status.DATA_LOSS,
]);

/**
 * The interceptor a node runs outermost: the caller's context is read from the request
 * metadata, a SERVER span (its child) is active around the handler, and A66's
 * `grpc.server.call.started` / `grpc.server.call.duration` are recorded. A call refused
 * before the interceptors (admission limits, unknown methods) is not seen.
 */
export function serverTelemetry(tools: OtelTools, nodeId: string): ServerInterceptor {
  const { tracer, propagator, instruments } = tools;
  return async ({ method, ctx }, next) => {
    const names = methodNames(method.path);
    const started = performance.now();
    const parent = propagator.extract(context.active(), ctx.metadata, metadataGetter);
    const span = tracer.startSpan(
      names.name,
      { kind: SpanKind.SERVER, attributes: { ...names.span, 'switchboard.node.id': nodeId } },
      parent,
    );
    instruments.serverCallStarted.add(1, { 'grpc.method': names.name });
    let code: Status = Status.OK;
    let failure: unknown;
    try {
      return await context.with(trace.setSpan(parent, span), next);
    } catch (error) {
      // What a handler throws other than an RpcError reaches the caller as INTERNAL.
      code = codeOf(error, Status.INTERNAL);
      failure = error;
      throw error;
    } finally {
      endSpan(span, code, failure, (c) => SERVER_ERRORS.has(c));
      instruments.serverCallDuration.record((performance.now() - started) / 1000, {
        'grpc.method': names.name,
        'grpc.status': statusAttribute(code),
      });
    }
  };
}
