import protobuf from 'protobufjs';
import {
  type EnumDescriptor,
  type FieldDescriptor,
  type FileDescriptor,
  LABEL_REPEATED,
  LABEL_REQUIRED,
  type MessageDescriptor,
  SCALAR_TYPES,
  TYPE_ENUM,
  TYPE_GROUP,
  TYPE_MESSAGE,
} from './descriptor-proto.js';

/**
 * A resolved protobufjs root from the file descriptors a node sent by reflection, named as
 * `loadProtoRoot` names a .proto file's (camelCase fields), so a schema read by reflection
 * codes messages exactly as one read from the .proto files. protobufjs' own
 * `Root.fromDescriptor` is not used: it turns maps into repeated entry messages and drops
 * proto3 `optional`.
 */
export function rootFromFiles(files: Iterable<FileDescriptor>): protobuf.Root {
  const json: Namespace = {};
  for (const file of files) {
    let namespace = json;
    for (const part of (file.package ?? '').split('.').filter((p) => p !== '')) {
      namespace.nested ??= {};
      namespace.nested[part] ??= {};
      namespace = namespace.nested[part] as Namespace;
    }
    namespace.nested ??= {};
    const edition = file.syntax === 'proto3' ? {} : { edition: 'proto2' };
    for (const message of file.messageType ?? [])
      namespace.nested[message.name] = { ...edition, ...messageJSON(message) };
    for (const type of file.enumType ?? []) namespace.nested[type.name] = { ...edition, ...enumJSON(type) };
    for (const service of file.service ?? []) {
      const methods: Record<string, object> = {};
      for (const method of service.method ?? []) {
        const level = method.options?.idempotencyLevel;
        methods[method.name] = {
          requestType: method.inputType,
          responseType: method.outputType,
          ...(method.clientStreaming ? { requestStream: true } : {}),
          ...(method.serverStreaming ? { responseStream: true } : {}),
          ...(level === 1 || level === 2 ? { options: { idempotency_level: IDEMPOTENCY[level] } } : {}),
        };
      }
      namespace.nested[service.name] = { methods };
    }
  }
  const root = protobuf.Root.fromJSON(json as protobuf.INamespace);
  root.resolveAll();
  return root;
}

interface Namespace {
  nested?: Record<string, object>;
}

const IDEMPOTENCY = { 1: 'NO_SIDE_EFFECTS', 2: 'IDEMPOTENT' } as const;

const SCALAR_NAMES = new Map(Object.entries(SCALAR_TYPES).map(([name, number]) => [number, name]));

function messageJSON(message: MessageDescriptor): object {
  const entries = new Map(
    (message.nestedType ?? []).filter((n) => n.options?.mapEntry === true).map((n) => [n.name, n] as const),
  );
  const fields: Record<string, object> = {};
  const oneofs: Record<string, { oneof: string[] }> = {};
  for (const field of message.field ?? []) {
    const name = protobuf.util.camelCase(field.name);
    const entry = field.type === TYPE_MESSAGE ? entries.get(field.typeName?.split('.').pop() ?? '') : undefined;
    if (entry !== undefined) {
      const [key, value] = entry.field ?? [];
      fields[name] = { keyType: SCALAR_NAMES.get(key!.type), type: typeOf(value!), id: field.number };
    } else {
      const rule =
        field.label === LABEL_REPEATED ? 'repeated' : field.label === LABEL_REQUIRED ? 'required' : undefined;
      const options = {
        ...(field.proto3Optional ? { proto3_optional: true } : {}),
        ...(field.defaultValue ? { default: field.defaultValue } : {}),
      };
      fields[name] = {
        ...(rule === undefined ? {} : { rule }),
        type: typeOf(field),
        id: field.number,
        ...(Object.keys(options).length > 0 ? { options } : {}),
      };
    }
    // A decoded descriptor has oneofIndex as an own property only when it is set.
    if (Object.hasOwn(field, 'oneofIndex') && field.oneofIndex !== undefined) {
      const oneof = message.oneofDecl?.[field.oneofIndex]?.name;
      if (oneof !== undefined) {
        const key = protobuf.util.camelCase(oneof);
        oneofs[key] ??= { oneof: [] };
        oneofs[key].oneof.push(name);
      }
    }
  }
  const nested: Record<string, object> = {};
  for (const type of message.nestedType ?? []) if (!entries.has(type.name)) nested[type.name] = messageJSON(type);
  for (const type of message.enumType ?? []) nested[type.name] = enumJSON(type);
  return {
    ...(Object.keys(oneofs).length > 0 ? { oneofs } : {}),
    fields,
    ...(Object.keys(nested).length > 0 ? { nested } : {}),
  };
}

function typeOf(field: FieldDescriptor): string {
  if (field.type === TYPE_MESSAGE || field.type === TYPE_ENUM || field.type === TYPE_GROUP) return field.typeName ?? '';
  return SCALAR_NAMES.get(field.type) ?? 'bytes';
}

function enumJSON(type: EnumDescriptor): object {
  return {
    values: Object.fromEntries(type.value.map((v) => [v.name, v.number])),
    ...(type.options?.allowAlias ? { options: { allow_alias: true } } : {}),
  };
}
