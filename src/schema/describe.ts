import type protobuf from 'protobufjs';
import type { MethodDefinition } from './descriptor.js';

/** The four shapes of a gRPC method. */
export type MethodKind = 'unary' | 'serverStream' | 'clientStream' | 'bidiStream';

/** One method of a protobufjs service, as generated code and `loadService` need it. */
export interface MethodInfo {
  /** camelCase name used on clients and handlers, e.g. `sayHello`. */
  readonly localName: string;
  readonly kind: MethodKind;
  readonly definition: MethodDefinition;
  /** The resolved protobufjs types (for code generation). */
  readonly request: protobuf.Type;
  readonly response: protobuf.Type;
}

/** Fully qualified name without protobufjs' leading dot. */
function qualifiedName(reflection: protobuf.ReflectionObject): string {
  return reflection.fullName.replace(/^\./, '');
}

/** `SayHello` → `sayHello`, `get_user` → `getUser`. */
function localMethodName(name: string): string {
  const camel = name.replace(/_+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
  return camel.charAt(0).toLowerCase() + camel.slice(1);
}

const IDEMPOTENT_LEVELS = new Set(['IDEMPOTENT', 'NO_SIDE_EFFECTS']);

/** The methods of a resolved service, in declaration order. */
export function describeMethods(service: protobuf.Service): MethodInfo[] {
  const serviceName = qualifiedName(service);
  return service.methodsArray.map((method) => {
    method.resolve();
    const request = method.resolvedRequestType!;
    const response = method.resolvedResponseType!;
    const level = method.options?.idempotency_level;
    const kind: MethodKind = method.requestStream
      ? method.responseStream
        ? 'bidiStream'
        : 'clientStream'
      : method.responseStream
        ? 'serverStream'
        : 'unary';
    return {
      localName: localMethodName(method.name),
      kind,
      request,
      response,
      definition: {
        name: method.name,
        path: `/${serviceName}/${method.name}`,
        requestType: qualifiedName(request),
        responseType: qualifiedName(response),
        idempotent: typeof level === 'string' && IDEMPOTENT_LEVELS.has(level),
      },
    };
  });
}
