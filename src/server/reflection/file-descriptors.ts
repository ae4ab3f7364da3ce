import protobuf from 'protobufjs';
import { schemaRoot } from '../../schema/codec.js';
import type { ServiceDescriptor } from '../../schema/descriptor.js';
import {
  encodeFileDescriptor,
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
 * The .proto files server reflection serves, rebuilt from the schemas the node's service
 * descriptors carry. Those schemas are protobufjs JSON, which keeps types and packages but
 * not the files they came from, so the files are synthesized: one per package, named for
 * it (`test/kitchen/v1.proto` holds package `test.kitchen.v1`), except that the well-known
 * types keep their usual files (`google/protobuf/timestamp.proto`). Each file imports the
 * files of the types it refers to, so a client can resolve every name. Field names are the
 * snake_case the camelCase schema names came from (with the camelCase as `json_name`) when
 * that is unambiguous, and the camelCase otherwise.
 */
export interface DescriptorPool {
  /** Fully qualified names of the services, sorted. */
  readonly services: readonly string[];
  /** The file of this name and every file it imports, transitively; the file first. */
  fileWithDependencies(name: string): PoolFile[] | undefined;
  /** The name of the file declaring a fully qualified symbol (type, field, enum value, service, method). */
  fileOfSymbol(symbol: string): string | undefined;
  /** The name of the file declaring extension `number` of `type`. */
  fileOfExtension(type: string, number: number): string | undefined;
  /** The extension numbers of a message type; undefined when the type is unknown. */
  extensionNumbers(type: string): number[] | undefined;
}

/** One synthesized file. */
export interface PoolFile {
  readonly name: string;
  /** The serialized `FileDescriptorProto`. */
  readonly bytes: Uint8Array;
  readonly dependencies: readonly string[];
}

type Declared = protobuf.Type | protobuf.Enum;

/** What goes into one file before it is encoded. */
interface Draft {
  readonly name: string;
  readonly pkg: string;
  readonly types: Declared[];
  readonly extensions: protobuf.Field[];
  readonly services: ServiceDescriptor[];
  readonly dependencies: Set<string>;
}

/** Builds the files of a node's services (the node's own ones included). */
export function describeServices(services: readonly ServiceDescriptor[]): DescriptorPool {
  const types = new Map<string, Declared>();
  const extensions: protobuf.Field[] = [];
  const seenServices = new Map<string, ServiceDescriptor>();
  for (const service of services) {
    if (seenServices.has(service.name)) continue;
    seenServices.set(service.name, service);
    collect(schemaRoot(service.schema), types, extensions);
  }
  const drafts = new Map<string, Draft>();
  const draftOf = (pkg: string, file: string): Draft => {
    let draft = drafts.get(file);
    if (draft === undefined) {
      draft = { name: file, pkg, types: [], extensions: [], services: [], dependencies: new Set() };
      drafts.set(file, draft);
    }
    return draft;
  };
  const fileOfType = new Map<string, string>();
  for (const [name, type] of types) {
    const pkg = packageOf(name);
    const draft = draftOf(pkg, fileName(pkg, type.name));
    draft.types.push(type);
    fileOfType.set(name, draft.name);
  }
  for (const service of seenServices.values()) {
    const pkg = packageOf(service.name);
    draftOf(pkg, fileName(pkg, '')).services.push(service);
  }
  const extensionFiles = new Map<string, Map<number, string>>();
  for (const field of extensions) {
    const extendee = field.extensionField?.parent;
    if (!(extendee instanceof protobuf.Type) || !fileOfType.has(topLevel(extendee).fullName.slice(1))) continue;
    const pkg = field.parent === null ? '' : field.parent.fullName.slice(1);
    const draft = draftOf(pkg, fileName(pkg, ''));
    draft.extensions.push(field);
    const numbers = extensionFiles.get(extendee.fullName.slice(1)) ?? new Map<number, string>();
    numbers.set(field.id, draft.name);
    extensionFiles.set(extendee.fullName.slice(1), numbers);
  }

  const symbols = new Map<string, string>();
  const files = new Map<string, PoolFile>();
  for (const draft of drafts.values()) {
    const encoded = encodeDraft(draft, (type) => fileOfType.get(topLevel(type).fullName.slice(1)), symbols);
    files.set(draft.name, {
      name: draft.name,
      bytes: encodeFileDescriptor(encoded),
      dependencies: encoded.dependency ?? [],
    });
  }

  return {
    services: [...seenServices.keys()].sort(),
    fileWithDependencies: (name) => {
      if (!files.has(name)) return undefined;
      const order: PoolFile[] = [];
      const visit = (file: string) => {
        const found = files.get(file);
        if (found === undefined || order.includes(found)) return;
        order.push(found);
        for (const dependency of found.dependencies) visit(dependency);
      };
      visit(name);
      return order;
    },
    fileOfSymbol: (symbol) => symbols.get(symbol.replace(/^\./, '')),
    fileOfExtension: (type, number) => extensionFiles.get(type.replace(/^\./, ''))?.get(number),
    extensionNumbers: (type) => {
      const name = type.replace(/^\./, '');
      const found = types.get(name) ?? lookupNested(types, name);
      if (!(found instanceof protobuf.Type)) return undefined;
      return [...(extensionFiles.get(name)?.keys() ?? [])].sort((a, b) => a - b);
    },
  };
}

/** Top-level types (first definition of a name wins) and package-level extensions of a root. */
function collect(namespace: protobuf.NamespaceBase, types: Map<string, Declared>, extensions: protobuf.Field[]): void {
  for (const child of namespace.nestedArray) {
    if (child instanceof protobuf.Type || child instanceof protobuf.Enum) {
      const name = child.fullName.slice(1);
      if (!types.has(name)) types.set(name, child);
    } else if (child instanceof protobuf.Field) {
      if (!extensions.some((known) => known.fullName === child.fullName)) extensions.push(child);
    } else if (child instanceof protobuf.Namespace && !(child instanceof protobuf.Service)) {
      collect(child, types, extensions);
    }
  }
}

function lookupNested(types: ReadonlyMap<string, Declared>, name: string): protobuf.ReflectionObject | undefined {
  for (const [top, type] of types) {
    if (name.startsWith(`${top}.`) && type instanceof protobuf.Type) {
      const found = type.lookup(name.slice(top.length + 1));
      if (found !== null) return found;
    }
  }
  return undefined;
}

function packageOf(fullName: string): string {
  const dot = fullName.lastIndexOf('.');
  return dot < 0 ? '' : fullName.slice(0, dot);
}

/** The files of the well-known types, by type name in package `google.protobuf`. */
const WELL_KNOWN: Readonly<Record<string, string>> = {
  Any: 'any',
  Api: 'api',
  Method: 'api',
  Mixin: 'api',
  Duration: 'duration',
  Empty: 'empty',
  FieldMask: 'field_mask',
  SourceContext: 'source_context',
  Struct: 'struct',
  Value: 'struct',
  ListValue: 'struct',
  NullValue: 'struct',
  Timestamp: 'timestamp',
  Type: 'type',
  Field: 'type',
  Enum: 'type',
  EnumValue: 'type',
  Option: 'type',
  Syntax: 'type',
  DoubleValue: 'wrappers',
  FloatValue: 'wrappers',
  Int64Value: 'wrappers',
  UInt64Value: 'wrappers',
  Int32Value: 'wrappers',
  UInt32Value: 'wrappers',
  BoolValue: 'wrappers',
  StringValue: 'wrappers',
  BytesValue: 'wrappers',
};

/** The synthesized file of a top-level declaration (`''`: a service or extension) of a package. */
function fileName(pkg: string, name: string): string {
  if (pkg === 'google.protobuf') return `google/protobuf/${WELL_KNOWN[name] ?? 'descriptor'}.proto`;
  return pkg === '' ? 'unpackaged.proto' : `${pkg.replaceAll('.', '/')}.proto`;
}

function topLevel(object: protobuf.ReflectionObject): protobuf.ReflectionObject {
  let top = object;
  while (top.parent instanceof protobuf.Type) top = top.parent;
  return top;
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function encodeDraft(
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
