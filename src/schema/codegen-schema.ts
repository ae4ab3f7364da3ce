import protobuf from 'protobufjs';
import type { ProtoSchema } from './descriptor.js';

/**
 * The smallest protobufjs JSON schema that still resolves: the given types, every type
 * their fields refer to (transitively, across files), and the messages enclosing any of
 * them. Namespaces and nested types are keyed in sorted order, so the output depends only
 * on the types, not on the order the .proto files were loaded in.
 */
export function pruneSchema(types: Iterable<protobuf.Type | protobuf.Enum>): ProtoSchema {
  const kept = closure(types);
  const root = kept.values().next().value?.root;
  return root === undefined ? {} : namespaceJSON(root, kept);
}

/** The types reachable from `types` through fields and enclosing messages. */
function closure(types: Iterable<protobuf.Type | protobuf.Enum>): Set<protobuf.ReflectionObject> {
  const kept = new Set<protobuf.ReflectionObject>();
  const pending = [...types];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (kept.has(next)) continue;
    kept.add(next);
    if (next.parent instanceof protobuf.Type) pending.push(next.parent);
    if (next instanceof protobuf.Type) {
      for (const field of next.fieldsArray) {
        field.resolve();
        if (field.resolvedType !== null) pending.push(field.resolvedType);
      }
    }
  }
  return kept;
}

/** A namespace keeping only the kept types and the namespaces leading to them. */
function namespaceJSON(namespace: protobuf.NamespaceBase, kept: Set<protobuf.ReflectionObject>): ProtoSchema {
  const nested: Record<string, unknown> = {};
  for (const child of sortedChildren(namespace)) {
    if (kept.has(child)) nested[child.name] = typeJSON(child as protobuf.Type | protobuf.Enum, kept);
    else if (isPackage(child) && holdsKept(child, kept)) nested[child.name] = namespaceJSON(child, kept);
  }
  return { nested } as ProtoSchema;
}

/** A type as `toJSON` gives it, with its nested types pruned to the kept ones. */
function typeJSON(type: protobuf.Type | protobuf.Enum, kept: Set<protobuf.ReflectionObject>): unknown {
  const json: Record<string, unknown> = { ...type.toJSON() };
  if (!(type instanceof protobuf.Type) || json.nested === undefined) return json;
  const nested: Record<string, unknown> = {};
  for (const child of sortedChildren(type)) {
    if (kept.has(child)) nested[child.name] = typeJSON(child as protobuf.Type | protobuf.Enum, kept);
  }
  const rest = Object.fromEntries(Object.entries(json).filter(([key]) => key !== 'nested'));
  return Object.keys(nested).length > 0 ? { ...rest, nested } : rest;
}

function holdsKept(namespace: protobuf.NamespaceBase, kept: Set<protobuf.ReflectionObject>): boolean {
  return namespace.nestedArray.some((child) => kept.has(child) || (isPackage(child) && holdsKept(child, kept)));
}

/** A namespace that is a (part of a) package name, not a message or service. */
function isPackage(object: protobuf.ReflectionObject): object is protobuf.Namespace {
  return (
    object instanceof protobuf.Namespace && !(object instanceof protobuf.Type) && !(object instanceof protobuf.Service)
  );
}

function sortedChildren(namespace: protobuf.NamespaceBase): protobuf.ReflectionObject[] {
  return [...namespace.nestedArray].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * A schema as a TypeScript literal: unquoted keys where possible, and objects holding
 * only scalars (fields, enum values) on one line, so generated files stay readable.
 */
export function schemaLiteral(value: unknown, indent = ''): string {
  if (Array.isArray(value)) return `[${value.map((item) => schemaLiteral(item, indent)).join(', ')}]`;
  if (typeof value === 'string') return /^[\w./ -]*$/.test(value) ? `'${value}'` : JSON.stringify(value);
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  const items = entries.map(([key, item]) => `${propertyKey(key)}: ${schemaLiteral(item, `${indent}  `)}`);
  if (entries.every(([, item]) => isFlat(item))) return `{ ${items.join(', ')} }`;
  return `{\n${items.map((item) => `${indent}  ${item},`).join('\n')}\n${indent}}`;
}

function isFlat(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(isFlat);
  return typeof value !== 'object' || value === null;
}

function propertyKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
}
