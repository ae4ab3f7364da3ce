import type protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';

/**
 * `google.protobuf.FileDescriptorProto` as server reflection sends it (serialized, one per
 * file), coded with protobufjs' own copy of descriptor.proto. Only the fields reflection
 * needs are typed; field names are protobufjs' camelCase of descriptor.proto's.
 */
export interface FileDescriptor {
  readonly name: string;
  readonly package?: string;
  readonly dependency?: readonly string[];
  readonly messageType?: readonly MessageDescriptor[];
  readonly enumType?: readonly EnumDescriptor[];
  readonly service?: readonly ServiceDescriptorProto[];
  readonly extension?: readonly FieldDescriptor[];
  readonly syntax?: string;
}

/** `google.protobuf.DescriptorProto`. */
export interface MessageDescriptor {
  readonly name: string;
  readonly field?: readonly FieldDescriptor[];
  readonly extension?: readonly FieldDescriptor[];
  readonly nestedType?: readonly MessageDescriptor[];
  readonly enumType?: readonly EnumDescriptor[];
  readonly extensionRange?: readonly { readonly start: number; readonly end: number }[];
  readonly oneofDecl?: readonly { readonly name: string }[];
  readonly options?: { readonly mapEntry?: boolean };
  readonly reservedRange?: readonly { readonly start: number; readonly end: number }[];
  readonly reservedName?: readonly string[];
}

/** `google.protobuf.FieldDescriptorProto`; `type` and `label` are the enums' numbers. */
export interface FieldDescriptor {
  readonly name: string;
  readonly number: number;
  readonly label: number;
  readonly type: number;
  readonly typeName?: string;
  readonly extendee?: string;
  readonly defaultValue?: string;
  readonly oneofIndex?: number;
  readonly jsonName?: string;
  readonly proto3Optional?: boolean;
}

/** `google.protobuf.EnumDescriptorProto`. */
export interface EnumDescriptor {
  readonly name: string;
  readonly value: readonly { readonly name: string; readonly number: number }[];
  readonly options?: { readonly allowAlias?: boolean };
}

/** `google.protobuf.ServiceDescriptorProto`. */
export interface ServiceDescriptorProto {
  readonly name: string;
  readonly method?: readonly MethodDescriptorProto[];
}

/** `google.protobuf.MethodDescriptorProto`; `idempotencyLevel` 1 is NO_SIDE_EFFECTS, 2 IDEMPOTENT. */
export interface MethodDescriptorProto {
  readonly name: string;
  readonly inputType: string;
  readonly outputType: string;
  readonly clientStreaming?: boolean;
  readonly serverStreaming?: boolean;
  readonly options?: { readonly idempotencyLevel?: number };
}

const fileType: protobuf.Type = descriptor.FileDescriptorProto;

/** The wire form of a file descriptor. */
export function encodeFileDescriptor(file: FileDescriptor): Uint8Array {
  return fileType.encode(fileType.fromObject(file)).finish();
}

/**
 * A file descriptor from its wire form: a protobufjs message, whose unset fields read as
 * their defaults (enums as numbers) but are not own properties.
 */
export function decodeFileDescriptor(bytes: Uint8Array): FileDescriptor {
  return fileType.decode(bytes) as unknown as FileDescriptor;
}

/** `FieldDescriptorProto.Type` numbers by protobufjs scalar type name. */
export const SCALAR_TYPES: Readonly<Record<string, number>> = {
  double: 1,
  float: 2,
  int64: 3,
  uint64: 4,
  int32: 5,
  fixed64: 6,
  fixed32: 7,
  bool: 8,
  string: 9,
  bytes: 12,
  uint32: 13,
  sfixed32: 15,
  sfixed64: 16,
  sint32: 17,
  sint64: 18,
};

/** `FieldDescriptorProto.Type` of a group, a message and an enum. */
export const TYPE_GROUP = 10;
export const TYPE_MESSAGE = 11;
export const TYPE_ENUM = 14;

/** `FieldDescriptorProto.Label`. */
export const LABEL_OPTIONAL = 1;
export const LABEL_REQUIRED = 2;
export const LABEL_REPEATED = 3;
