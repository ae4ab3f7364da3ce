import protobuf from 'protobufjs';
import { checkMessage } from '../schema/message-check.js';

/**
 * Checks a request typed on the command line against its message type: the first problem,
 * or undefined. Field names are the camelCase ones. Value types are checked by
 * `checkMessage` (as every call does); this adds what a typo needs and a call from code
 * does not: an unknown field is an error here (`fromObject` would drop it silently).
 */
export function checkRequest(value: unknown, type: protobuf.Type): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return `expected an object (${type.name}), got ${got}`;
  }
  return (
    unknownField(value as Record<string, unknown>, type, '') ?? checkMessage(type, value as Record<string, unknown>)
  );
}

/** The first key, at any depth of nested messages, that is not a field of its type. */
function unknownField(object: Record<string, unknown>, type: protobuf.Type, at: string): string | undefined {
  for (const [key, item] of Object.entries(object)) {
    const field = type.fields[key];
    const where = `${at}${key}`;
    if (field === undefined) {
      const fields = type.fieldsArray.map((f) => f.name).join(', ');
      return `field "${where}": no such field in ${type.name} (fields: ${fields})`;
    }
    const message = field.resolve().resolvedType;
    if (!(message instanceof protobuf.Type) || typeof item !== 'object' || item === null) continue;
    const nested = field.map || field.repeated ? Object.entries(item) : [['', item] as const];
    for (const [index, entry] of nested) {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) continue;
      const path = index === '' ? `${where}.` : field.repeated ? `${where}[${index}].` : `${where}.${index}.`;
      const problem = unknownField(entry as Record<string, unknown>, message, path);
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}
