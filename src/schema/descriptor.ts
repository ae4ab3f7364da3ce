import type { INamespace } from 'protobufjs';

/** A protobufjs JSON schema (what `Root.toJSON()` gives); generated files embed one. */
export type ProtoSchema = INamespace;

/**
 * One RPC method. `Req`/`Res` exist only at the type level (the `types` field is never
 * set); the stream flags are literal types so client and handler shapes follow from them.
 */
export interface MethodDescriptor<
  Req = unknown,
  Res = unknown,
  ReqStream extends boolean = boolean,
  ResStream extends boolean = boolean,
> {
  /** Method name as in the .proto file, e.g. `SayHello`. */
  readonly name: string;
  /** Full path on the wire, e.g. `/demo.Greeter/SayHello`. */
  readonly path: string;
  /** Fully qualified request message name, e.g. `demo.HelloRequest`. */
  readonly requestType: string;
  /** Fully qualified response message name. */
  readonly responseType: string;
  readonly requestStream: ReqStream;
  readonly responseStream: ResStream;
  /** Safe to retry on another node (proto `idempotency_level` IDEMPOTENT or NO_SIDE_EFFECTS). */
  readonly idempotent: boolean;
  /** Type-level only: never present at run time. */
  readonly types?: { readonly request: Req; readonly response: Res };
}

/** A service: its full name, methods keyed by camelCase name, and the schema to code them. */
export interface ServiceDescriptor<M extends Record<string, MethodDescriptor> = Record<string, MethodDescriptor>> {
  /** Fully qualified service name, e.g. `demo.Greeter`. */
  readonly name: string;
  readonly methods: M;
  /** Schema holding the request and response types of every method. */
  readonly schema: ProtoSchema;
}

/** The fields a generated file (or `loadService`) gives for one method. */
export interface MethodDefinition {
  readonly name: string;
  readonly path: string;
  readonly requestType: string;
  readonly responseType: string;
  readonly idempotent?: boolean;
}

function method<Req, Res, ReqStream extends boolean, ResStream extends boolean>(
  def: MethodDefinition,
  requestStream: ReqStream,
  responseStream: ResStream,
): MethodDescriptor<Req, Res, ReqStream, ResStream> {
  return {
    name: def.name,
    path: def.path,
    requestType: def.requestType,
    responseType: def.responseType,
    requestStream,
    responseStream,
    idempotent: def.idempotent ?? false,
  };
}

/** A unary method descriptor (one request, one response). */
export function unary<Req, Res>(def: MethodDefinition): MethodDescriptor<Req, Res, false, false> {
  return method(def, false, false);
}

/** A server-streaming method descriptor (one request, a stream of responses). */
export function serverStream<Req, Res>(def: MethodDefinition): MethodDescriptor<Req, Res, false, true> {
  return method(def, false, true);
}

/** A client-streaming method descriptor (a stream of requests, one response). */
export function clientStream<Req, Res>(def: MethodDefinition): MethodDescriptor<Req, Res, true, false> {
  return method(def, true, false);
}

/** A bidirectional-streaming method descriptor. */
export function bidiStream<Req, Res>(def: MethodDefinition): MethodDescriptor<Req, Res, true, true> {
  return method(def, true, true);
}

/** Declares a service descriptor; generated code calls this once per service. */
export function defineService<const M extends Record<string, MethodDescriptor>>(
  def: ServiceDescriptor<M>,
): ServiceDescriptor<M> {
  return Object.freeze({ name: def.name, methods: Object.freeze({ ...def.methods }), schema: def.schema });
}
