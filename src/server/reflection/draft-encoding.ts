import protobuf from 'protobufjs';
import { schemaRoot } from '../../schema/codec.js';
import type { ServiceDescriptor } from '../../schema/descriptor.js';
import {
  type EnumDescriptor,
  type FieldDescriptor,
  type FileDescriptor,
  LABEL_OPTIONAL,
  LABEL_REPEATED,
  LABEL_REQUIRED,
  type MessageDescriptor,
  type MethodDescriptorProto,
  SCALAR_TYPES,
  TYPE_ENUM,
  TYPE_GROUP,
  TYPE_MESSAGE,
} from '../../schema/descriptor-proto.js';

/**
 * One synthesized .proto file as `FileDescriptorProto` fields: its messages and enums (with
 * their nested ones), extensions and services, from the protobufjs reflection objects;
 * every type it refers to in another file adds that file to its dependencies.
 */

/** A top-level declaration of a file. */
export type Declared = protobuf.Type | protobuf.Enum;

/** What goes into one file before it is encoded. */
export interface Draft {
  readonly name: string;
  readonly pkg: string;
  readonly types: Declared[];
  readonly extensions: protobuf.Field[];
  readonly services: ServiceDescriptor[];
  readonly dependencies: Set<string>;
}

/** Sorts declarations by name, so files come out the same whatever the schema's order. */
function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The file's descriptor; `fileOf` names the file of a type, `symbols` collects each declared name's file. */
export function encodeDraft(
  draft: Draft,
  fileOf: (type: protobuf.ReflectionObject) => string | undefined,
  symbols: Map<string, string>,
): FileDescriptor {
  const prefix = draft.pkg === '' ? '' : `${draft.pkg}.`;
  const refer = (type: protobuf.ReflectionObject) => {
    const file = fileOf(type);
    if (file !== undefined && file !== draft.name) draft.dependencies.add(file);
  };
  const declare = (symbol: string) => {
    if (!symbols.has(symbol)) symbols.set(symbol, draft.name);
  };
  const types = [...draft.types].sort(byName);
  // protobufjs keeps a file's syntax only in this private field ("proto2" when not proto3).
  const proto2 = types.some((type) => (type as unknown as { _edition?: string })._edition === 'proto2');
  const messageType = types
    .filter((type): type is protobuf.Type => type instanceof protobuf.Type)
    .map((type) => messageDescriptor(type, prefix, { refer, declare }));
  const enumType = types
    .filter((type): type is protobuf.Enum => type instanceof protobuf.Enum)
    .map((type) => enumDescriptor(type, prefix, declare));
  const service = [...draft.services]
    .sort((a, b) => byName({ name: a.name }, { name: b.name }))
    .map((descriptor) => {
      declare(descriptor.name);
      const root = schemaRoot(descriptor.schema);
      const method: MethodDescriptorProto[] = Object.values(descriptor.methods).map((m) => {
        declare(`${descriptor.name}.${m.name}`);
        for (const type of [m.requestType, m.responseType]) {
          const found = root.lookup(type);
          if (found !== null) refer(found);
        }
        return {
          name: m.name,
          inputType: `.${m.requestType}`,
          outputType: `.${m.responseType}`,
          clientStreaming: m.requestStream,
          serverStreaming: m.responseStream,
          ...(m.idempotent ? { options: { idempotencyLevel: IDEMPOTENT } } : {}),
        };
      });
      return { name: descriptor.name.slice(prefix.length), method };
    });
  const extension = [...draft.extensions].sort(byName).map((field) => {
    declare(`${prefix}${field.name}`);
    const extendee = field.extensionField!.parent!;
    refer(extendee);
    return { ...fieldDescriptor(field, undefined, refer), extendee: extendee.fullName };
  });
  return {
    name: draft.name,
    package: draft.pkg,
    dependency: [...draft.dependencies].sort(),
    messageType,
    enumType,
    service,
    extension,
    syntax: proto2 ? 'proto2' : 'proto3',
  };
}

/** `MethodOptions.IdempotencyLevel.IDEMPOTENT` (the descriptor keeps only "safe to retry"). */
const IDEMPOTENT = 2;

interface Scope {
  readonly refer: (type: protobuf.ReflectionObject) => void;
  readonly declare: (symbol: string) => void;
}

function messageDescriptor(type: protobuf.Type, prefix: string, scope: Scope): MessageDescriptor {
  const fullName = `${prefix}${type.name}`;
  scope.declare(fullName);
  // Real oneofs first: descriptor.proto requires the synthetic ones (proto3 `optional`) last.
  const synthetic = (oneof: protobuf.OneOf) =>
    oneof.fieldsArray.length === 1 && oneof.fieldsArray[0]!.options?.proto3_optional === true;
  const oneofs = [...type.oneofsArray.filter((o) => !synthetic(o)), ...type.oneofsArray.filter(synthetic)];
  const nestedType: MessageDescriptor[] = [];
  const field = type.fieldsArray
    .filter((f) => (f as { declaringField?: unknown }).declaringField == null)
    .map((f) => {
      const name = fieldName(f.name);
      scope.declare(`${fullName}.${name}`);
      const oneof = f.partOf === null ? -1 : oneofs.indexOf(f.partOf);
      if (!(f instanceof protobuf.MapField)) return fieldDescriptor(f, oneof < 0 ? undefined : oneof, scope.refer);
      const entry = mapEntryName(name);
      const value = fieldDescriptor(f, undefined, scope.refer);
      nestedType.push({
        name: entry,
        field: [
          { name: 'key', number: 1, label: LABEL_OPTIONAL, type: SCALAR_TYPES[f.keyType]!, jsonName: 'key' },
          { ...value, name: 'value', number: 2, label: LABEL_OPTIONAL, jsonName: 'value' },
        ],
        options: { mapEntry: true },
      });
      return {
        name,
        number: f.id,
        label: LABEL_REPEATED,
        type: TYPE_MESSAGE,
        typeName: `.${fullName}.${entry}`,
        jsonName: f.name,
      };
    });
  const enumType: EnumDescriptor[] = [];
  for (const nested of [...type.nestedArray].sort(byName)) {
    if (nested instanceof protobuf.Type) nestedType.push(messageDescriptor(nested, `${fullName}.`, scope));
    else if (nested instanceof protobuf.Enum) enumType.push(enumDescriptor(nested, `${fullName}.`, scope.declare));
  }
  const reserved = type.reserved ?? [];
  return {
    name: type.name,
    field,
    nestedType,
    enumType,
    oneofDecl: oneofs.map((o) => ({
      name: synthetic(o) ? `_${fieldName(o.fieldsArray[0]!.name)}` : fieldName(o.name),
    })),
    // protobufjs ranges are inclusive, descriptor.proto's end is exclusive.
    extensionRange: (type.extensions ?? []).map(([start, end]) => ({ start: start!, end: end! + 1 })),
    reservedRange: reserved
      .filter((r): r is number[] => Array.isArray(r))
      .map(([start, end]) => ({ start: start!, end: end! + 1 })),
    reservedName: reserved.filter((r): r is string => typeof r === 'string'),
  };
}

function fieldDescriptor(
  field: protobuf.Field,
  oneofIndex: number | undefined,
  refer: Scope['refer'],
): FieldDescriptor {
  field.resolve();
  const resolved = field.resolvedType;
  if (resolved !== null) refer(resolved);
  const type =
    resolved instanceof protobuf.Enum
      ? TYPE_ENUM
      : resolved !== null
        ? field.delimited
          ? TYPE_GROUP
          : TYPE_MESSAGE
        : SCALAR_TYPES[field.type]!;
  const defaultValue = field.options?.default;
  return {
    name: fieldName(field.name),
    number: field.id,
    label: field.repeated ? LABEL_REPEATED : field.required ? LABEL_REQUIRED : LABEL_OPTIONAL,
    type,
    ...(resolved === null ? {} : { typeName: resolved.fullName }),
    ...(defaultValue === undefined ? {} : { defaultValue: String(defaultValue) }),
    ...(oneofIndex === undefined ? {} : { oneofIndex }),
    jsonName: field.name,
    ...(field.options?.proto3_optional === true ? { proto3Optional: true } : {}),
  };
}

function enumDescriptor(type: protobuf.Enum, prefix: string, declare: Scope['declare']): EnumDescriptor {
  declare(`${prefix}${type.name}`);
  const value = Object.entries(type.values).map(([name, number]) => {
    // Enum values are scoped like their enum's siblings, not inside the enum.
    declare(`${prefix}${name}`);
    return { name, number };
  });
  const aliased = new Set(value.map((v) => v.number)).size < value.length;
  return { name: type.name, value, ...(aliased ? { options: { allowAlias: true } } : {}) };
}

/**
 * The .proto name a camelCase schema name came from: `customerName` → `customer_name`,
 * when protobufjs' camelCase of that gives the name back; otherwise the name itself.
 */
function fieldName(name: string): string {
  const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return !snake.startsWith('_') && protobuf.util.camelCase(snake) === name ? snake : name;
}

/** protoc's name of a map field's entry message: `items_by_seat` → `ItemsBySeatEntry`. */
function mapEntryName(field: string): string {
  const pascal = field.replace(/_+([a-zA-Z0-9])?/g, (_, c: string | undefined) => (c ?? '').toUpperCase());
  return `${pascal.charAt(0).toUpperCase()}${pascal.slice(1)}Entry`;
}
