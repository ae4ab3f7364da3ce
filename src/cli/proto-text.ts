import {
  type EnumDescriptor,
  type FieldDescriptor,
  type FileDescriptor,
  LABEL_REPEATED,
  LABEL_REQUIRED,
  type MessageDescriptor,
  type MethodDescriptorProto,
  SCALAR_TYPES,
  type ServiceDescriptorProto,
} from '../schema/descriptor-proto.js';

/**
 * A symbol of a node's files as .proto text, the way grpcurl's `describe` prints it:
 * `<name> is a message:` and the declaration, with fully qualified type names.
 */
export function describeSymbol(files: readonly FileDescriptor[], symbol: string): string | undefined {
  const name = symbol.replace(/^\./, '');
  for (const file of files) {
    const prefix = file.package ? `${file.package}.` : '';
    for (const service of file.service ?? []) {
      const full = `${prefix}${service.name}`;
      if (full === name) return `${full} is a service:\n${serviceText(service)}`;
      for (const method of service.method ?? []) {
        if (`${full}.${method.name}` === name) return `${name} is a method:\n${methodText(method)}`;
      }
    }
    const found = findType(file.messageType ?? [], file.enumType ?? [], prefix, name);
    if (found !== undefined) return found;
  }
  return undefined;
}

function findType(
  messages: readonly MessageDescriptor[],
  enums: readonly EnumDescriptor[],
  prefix: string,
  name: string,
): string | undefined {
  for (const type of enums) if (`${prefix}${type.name}` === name) return `${name} is an enum:\n${enumText(type, '')}`;
  for (const message of messages) {
    const full = `${prefix}${message.name}`;
    if (full === name) return `${name} is a message:\n${messageText(message, '')}`;
    if (name.startsWith(`${full}.`)) {
      const field = (message.field ?? []).find((f) => `${full}.${f.name}` === name);
      if (field !== undefined) return `${name} is a field:\n${fieldText(field, message)}`;
      const nested = findType(message.nestedType ?? [], message.enumType ?? [], `${full}.`, name);
      if (nested !== undefined) return nested;
    }
  }
  return undefined;
}

function serviceText(service: ServiceDescriptorProto): string {
  const methods = (service.method ?? []).map((method) => `  ${methodText(method)}\n`).join('');
  return `service ${service.name} {\n${methods}}`;
}

function methodText(method: MethodDescriptorProto): string {
  const input = `${method.clientStreaming ? 'stream ' : ''}${method.inputType}`;
  const output = `${method.serverStreaming ? 'stream ' : ''}${method.outputType}`;
  return `rpc ${method.name} ( ${input} ) returns ( ${output} );`;
}

const SCALAR_NAMES = new Map(Object.entries(SCALAR_TYPES).map(([name, number]) => [number, name]));

function messageText(message: MessageDescriptor, indent: string): string {
  const inner = `${indent}  `;
  const lines: string[] = [];
  const entries = new Set((message.nestedType ?? []).filter((n) => n.options?.mapEntry).map((n) => n.name));
  for (const nested of message.nestedType ?? []) if (!entries.has(nested.name)) lines.push(messageText(nested, inner));
  for (const nested of message.enumType ?? []) lines.push(enumText(nested, inner));
  const printed = new Set<number>();
  const fields = message.field ?? [];
  for (const field of fields) {
    const oneof = realOneof(field, message);
    if (oneof === undefined) {
      lines.push(`${inner}${fieldText(field, message)}`);
    } else if (!printed.has(oneof)) {
      printed.add(oneof);
      const members = fields.filter((f) => realOneof(f, message) === oneof);
      const body = members.map((f) => `${inner}  ${fieldText(f, message)}\n`).join('');
      lines.push(`${inner}oneof ${message.oneofDecl![oneof]!.name} {\n${body}${inner}}`);
    }
  }
  return `${indent}message ${message.name} {\n${lines.map((line) => `${line}\n`).join('')}${indent}}`;
}

/** The oneof a field is in, unless it is the synthetic one of a proto3 `optional` field. */
function realOneof(field: FieldDescriptor, message: MessageDescriptor): number | undefined {
  // A decoded descriptor has oneofIndex as an own property only when it is set.
  if (!Object.hasOwn(field, 'oneofIndex') || field.proto3Optional) return undefined;
  return message.oneofDecl?.[field.oneofIndex!] === undefined ? undefined : field.oneofIndex;
}

function fieldText(field: FieldDescriptor, message: MessageDescriptor): string {
  const entry = (message.nestedType ?? []).find((n) => n.options?.mapEntry && field.typeName?.endsWith(`.${n.name}`));
  if (entry !== undefined && field.label === LABEL_REPEATED) {
    const [key, value] = entry.field ?? [];
    return `map<${typeName(key!)}, ${typeName(value!)}> ${field.name} = ${field.number};`;
  }
  const label =
    field.label === LABEL_REPEATED
      ? 'repeated '
      : field.label === LABEL_REQUIRED
        ? 'required '
        : field.proto3Optional
          ? 'optional '
          : '';
  return `${label}${typeName(field)} ${field.name} = ${field.number};`;
}

function typeName(field: FieldDescriptor): string {
  return field.typeName || (SCALAR_NAMES.get(field.type) ?? `type${field.type}`);
}

function enumText(type: EnumDescriptor, indent: string): string {
  const values = type.value.map((v) => `${indent}  ${v.name} = ${v.number};\n`).join('');
  return `${indent}enum ${type.name} {\n${values}${indent}}`;
}
