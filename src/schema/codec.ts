import protobuf from 'protobufjs';
import type { MethodDescriptor, ProtoSchema, ServiceDescriptor } from './descriptor.js';
import { CONVERSION_OPTIONS } from './loader-options.js';
import { checkMessage, describeValue } from './message-check.js';

/**
 * Encodes and decodes the messages of one method (the functions grpc-js wants). Requests
 * are checked against their type before they are encoded (a wrong field type throws a
 * TypeError naming the field); responses are checked by the server's handler adapter with
 * `checkResponse`, before grpc-js encodes them, so that the error reaches the caller.
 */
export interface MethodCodec {
  serializeRequest(value: unknown): Buffer;
  /** Never throws: bytes that are not a request decode to an `UndecodableMessage`. */
  deserializeRequest(bytes: Buffer): unknown;
  serializeResponse(value: unknown): Buffer;
  deserializeResponse(bytes: Buffer): unknown;
  /** What is wrong with a response value (`field "x": expected ..., got ...`), or undefined. */
  checkResponse(value: unknown): string | undefined;
  /** Full name of the response type, e.g. `demo.HelloReply`. */
  readonly responseType: string;
}

/**
 * What a server gets for request bytes that do not decode as the request type; grpc-js
 * would answer INTERNAL for a throwing deserializer, but it is the caller's bad input, so
 * the handler adapter answers INVALID_ARGUMENT with `message`.
 */
export class UndecodableMessage {
  constructor(
    readonly typeName: string,
    readonly reason: string,
  ) {}

  get message(): string {
    return `request is not a valid ${this.typeName}: ${this.reason}`;
  }
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
      serializeRequest: (value) => {
        const problem = check(request, value);
        if (problem !== undefined) throw new TypeError(`${request.fullName.slice(1)}: ${problem}`);
        return encode(request, value as Record<string, unknown>);
      },
      deserializeRequest: (bytes) => {
        try {
          return decode(request, bytes);
        } catch (error) {
          return new UndecodableMessage(
            request.fullName.slice(1),
            error instanceof Error ? error.message : String(error),
          );
        }
      },
      serializeResponse: (value) => encode(response, value as Record<string, unknown>),
      deserializeResponse: (bytes) => decode(response, bytes),
      checkResponse: (value) => check(response, value),
      responseType: response.fullName.slice(1),
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

/** What is wrong with a message value, or undefined when `fromObject` will read it as meant. */
function check(type: protobuf.Type, value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `expected an object, got ${describeValue(value)}`;
  }
  return checkMessage(type, value as Record<string, unknown>);
}

function encode(type: protobuf.Type, value: Record<string, unknown>): Buffer {
  return type.encode(type.fromObject(value)).finish() as Buffer;
}

function decode(type: protobuf.Type, bytes: Buffer): unknown {
  return type.toObject(type.decode(bytes), CONVERSION_OPTIONS);
}
