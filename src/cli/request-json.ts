import protobuf from 'protobufjs';

const NUMBER_TYPES = new Set(['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/**
 * Checks a JSON value against a message type the way a user writes it (camelCase field
 * names, int64 as numbers or decimal strings, enums by name or number, bytes as
 * base64): the first problem as `field.path: what is wrong`, or undefined. protobufjs'
 * own `fromObject` would quietly drop unknown fields and turn wrong types into defaults.
 */
export function checkRequest(value: unknown, type: protobuf.Type, at = ''): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `${at || 'request'}: expected an object (${type.name}), got ${kind(value)}`;
  }
  for (const [key, item] of Object.entries(value)) {
    const field = type.fields[key];
    const where = at === '' ? key : `${at}.${key}`;
    if (field === undefined) {
      return `${where}: no such field in ${type.name} (fields: ${type.fieldsArray.map((f) => f.name).join(', ')})`;
    }
    if (item === null) continue;
    field.resolve();
    if (field.map) {
      if (typeof item !== 'object' || Array.isArray(item)) return `${where}: expected an object (map), got ${kind(item)}`;
      for (const [k, v] of Object.entries(item)) {
        const problem = checkValue(v, field, `${where}.${k}`);
        if (problem !== undefined) return problem;
      }
    } else if (field.repeated) {
      if (!Array.isArray(item)) return `${where}: expected an array, got ${kind(item)}`;
      for (const [i, v] of item.entries()) {
        const problem = checkValue(v, field, `${where}[${i}]`);
        if (problem !== undefined) return problem;
      }
    } else {
      const problem = checkValue(item, field, where);
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}

function checkValue(value: unknown, field: protobuf.Field, where: string): string | undefined {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return checkRequest(value, resolved, where);
  if (resolved instanceof protobuf.Enum) {
    if (typeof value === 'string' && value in resolved.values) return undefined;
    if (typeof value === 'number' && Number.isInteger(value)) return undefined;
    return `${where}: expected one of ${Object.keys(resolved.values).join(', ')}, got ${JSON.stringify(value)}`;
  }
  const t = field.type;
  if (t === 'string' || t === 'bytes') return typeof value === 'string' ? undefined : `${where}: expected a string, got ${kind(value)}`;
  if (t === 'bool') return typeof value === 'boolean' ? undefined : `${where}: expected true or false, got ${kind(value)}`;
  if (NUMBER_TYPES.has(t)) return typeof value === 'number' ? undefined : `${where}: expected a number (${t}), got ${kind(value)}`;
  if (LONG_TYPES.has(t)) {
    const ok = (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && /^-?\d+$/.test(value));
    return ok ? undefined : `${where}: expected an integer (${t}, a number or a decimal string), got ${kind(value)}`;
  }
  return undefined;
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : `${typeof value} ${JSON.stringify(value)}`;
}
