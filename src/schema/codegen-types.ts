import protobuf from 'protobufjs';

/**
 * TypeScript declarations of protobuf messages and enums, in the decoded shape given by
 * `LOADER_OPTIONS`: 64-bit integers as decimal strings, enums by name, unset sub-messages
 * `null`, every other field present with its default; oneof members and proto3
 * `optional` fields are present only when set, and each oneof (also the synthetic
 * `_name` oneof of a proto3 `optional` field) adds a virtual field naming its set member.
 */

/** The TypeScript name under which a generated file refers to each message and enum. */
export type TypeNames = ReadonlyMap<protobuf.Type | protobuf.Enum, string>;

const SCALARS: Readonly<Record<string, string>> = {
  double: 'number',
  float: 'number',
  int32: 'number',
  uint32: 'number',
  sint32: 'number',
  fixed32: 'number',
  sfixed32: 'number',
  int64: 'string',
  uint64: 'string',
  sint64: 'string',
  fixed64: 'string',
  sfixed64: 'string',
  bool: 'boolean',
  string: 'string',
  bytes: 'Uint8Array',
};

/** `pkg.Outer.Inner` → `Outer_Inner`: the name of a type inside its package. */
export function localTypeName(type: protobuf.ReflectionObject): string {
  const names: string[] = [];
  for (let at: protobuf.ReflectionObject | null = type; at instanceof protobuf.Type || at instanceof protobuf.Enum; ) {
    names.unshift(at.name);
    at = at.parent;
  }
  return names.join('_');
}

/** The package a type is declared in (`''` for none). */
export function packageName(type: protobuf.ReflectionObject): string {
  let at = type.parent;
  while (at instanceof protobuf.Type) at = at.parent;
  return at === null ? '' : at.fullName.replace(/^\./, '');
}

/** The messages and enums the fields of a message refer to. */
export function fieldTypes(type: protobuf.Type): (protobuf.Type | protobuf.Enum)[] {
  const types: (protobuf.Type | protobuf.Enum)[] = [];
  for (const field of type.fieldsArray) {
    field.resolve();
    if (field.resolvedType !== null) types.push(field.resolvedType);
  }
  return types;
}

/** A type and the types nested in it, depth first in declaration order. */
export function withNested(type: protobuf.Type | protobuf.Enum): (protobuf.Type | protobuf.Enum)[] {
  if (type instanceof protobuf.Enum) return [type];
  const nested = type.nestedArray.filter(
    (child): child is protobuf.Type | protobuf.Enum => child instanceof protobuf.Type || child instanceof protobuf.Enum,
  );
  return [type, ...nested.flatMap(withNested)];
}

/** `export type Name = 'A' | 'B';`, with value comments from `documented` when given. */
export function renderEnum(type: protobuf.Enum, name: string, documented?: protobuf.Enum): string {
  const members = Object.keys(type.values).map(
    (value) => `${docComment(documented?.comments[value], '  ')}  | '${value}'`,
  );
  return `${docComment(documented?.comment, '')}export type ${name} =\n${members.join('\n')};\n`;
}

/** `export interface Name { ... }` in the decoded shape, with comments from `documented`. */
export function renderMessage(type: protobuf.Type, names: TypeNames, documented?: protobuf.Type): string {
  const lines: string[] = [];
  for (const field of type.fieldsArray) {
    const optional = field.partOf !== null;
    lines.push(
      docComment(documented?.fields[field.name]?.comment, '  ') +
        `  ${property(field.name)}${optional ? '?' : ''}: ${fieldType(field, names, optional)};`,
    );
  }
  for (const oneof of type.oneofsArray) {
    const comment = documented?.oneofs?.[oneof.name]?.comment ?? oneofComment(oneof);
    const members = oneof.oneof.map((member) => `'${member}'`).join(' | ');
    lines.push(`${docComment(comment, '  ')}  ${property(oneof.name)}?: ${members};`);
  }
  const body = lines.length > 0 ? `{\n${lines.join('\n')}\n}` : '{}';
  return `${docComment(documented?.comment, '')}export interface ${names.get(type)} ${body}\n`;
}

function oneofComment(oneof: protobuf.OneOf): string {
  const [only, ...others] = oneof.fieldsArray;
  return only?.options?.proto3_optional === true && others.length === 0
    ? `\`'${only.name}'\` when the \`optional\` field \`${only.name}\` is set.`
    : `Which field of the oneof \`${oneof.name}\` is set.`;
}

function fieldType(field: protobuf.Field, names: TypeNames, optional: boolean): string {
  field.resolve();
  const base = field.resolvedType === null ? SCALARS[field.type] : names.get(field.resolvedType);
  if (base === undefined) throw new Error(`no TypeScript type for field ${field.fullName} of type ${field.type}`);
  // Map keys are object keys, so strings whatever their proto type.
  if (field.map) return `{ [key: string]: ${base} }`;
  if (field.repeated) return `${base}[]`;
  return field.resolvedType instanceof protobuf.Type && !optional ? `${base} | null` : base;
}

function property(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : `'${name}'`;
}

/** A TSDoc block for a proto comment (nothing when there is none). */
export function docComment(text: string | null | undefined, indent: string): string {
  if (text === null || text === undefined || text.trim() === '') return '';
  const lines = text
    .trim()
    .replaceAll('*/', '*\\/')
    .split('\n')
    .map((line) => line.trimEnd());
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  const body = lines.map((line) => (line === '' ? `${indent} *` : `${indent} * ${line}`)).join('\n');
  return `${indent}/**\n${body}\n${indent} */\n`;
}
