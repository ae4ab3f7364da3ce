import protobuf from 'protobufjs';
import { schemaRoot } from '../../schema/codec.js';
import type { ServiceDescriptor } from '../../schema/descriptor.js';
import { encodeFileDescriptor } from '../../schema/descriptor-proto.js';
import { type Declared, type Draft, encodeDraft } from './draft-encoding.js';

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
interface PoolFile {
  readonly name: string;
  /** The serialized `FileDescriptorProto`. */
  readonly bytes: Uint8Array;
  readonly dependencies: readonly string[];
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
