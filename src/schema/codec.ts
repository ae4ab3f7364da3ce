import protobuf from 'protobufjs';
import type { MethodDescriptor, ProtoSchema, ServiceDescriptor } from './descriptor.js';
import { CONVERSION_OPTIONS } from './loader-options.js';

/** Encodes and decodes the messages of one method (the functions grpc-js wants). */
export interface MethodCodec {
  serializeRequest(value: unknown): Buffer;
  deserializeRequest(bytes: Buffer): unknown;
  serializeResponse(value: unknown): Buffer;
  deserializeResponse(bytes: Buffer): unknown;
}

const roots = new WeakMap<ProtoSchema, protobuf.Root>();
const codecs = new WeakMap<MethodDescriptor, MethodCodec>();

/** The protobufjs root of a schema, built once per schema object. */
export function schemaRoot(schema: ProtoSchema): protobuf.Root {
  let root = roots.get(schema);
  if (root === undefined) {
    root = protobuf.Root.fromJSON(schema);
    root.resolveAll();
    roots.set(schema, root);
  }
  return root;
}

/** The codec of a method of a service, built once per method descriptor. */
export function methodCodec(service: ServiceDescriptor, method: MethodDescriptor): MethodCodec {
  let codec = codecs.get(method);
  if (codec === undefined) {
    const root = schemaRoot(service.schema);
    const request = lookup(root, service, method.requestType);
    const response = lookup(root, service, method.responseType);
    codec = {
      serializeRequest: (value) => encode(request, value),
      deserializeRequest: (bytes) => decode(request, bytes),
      serializeResponse: (value) => encode(response, value),
      deserializeResponse: (bytes) => decode(response, bytes),
    };
    codecs.set(method, codec);
  }
  return codec;
}

function lookup(root: protobuf.Root, service: ServiceDescriptor, typeName: string): protobuf.Type {
  const type = root.lookup(typeName);
  if (!(type instanceof protobuf.Type)) {
    throw new Error(`message type ${typeName} is not in the schema of service ${service.name}`);
  }
  return type;
}

function encode(type: protobuf.Type, value: unknown): Buffer {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${type.fullName.slice(1)}: expected an object, got ${describe(value)}`);
  }
  return type.encode(type.fromObject(value as Record<string, unknown>)).finish() as Buffer;
}

function decode(type: protobuf.Type, bytes: Buffer): unknown {
  return type.toObject(type.decode(bytes), CONVERSION_OPTIONS);
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
