/**
 * Checks of numeric options, with one wording for every message: `<where>: <name> must be
 * <rule>, got <value>` (a RangeError), so a bad option says where it was given, what it
 * should be and what it was.
 */

/** `value` if it is an integer ≥ `min` (`Infinity` too, with `orInfinity`). */
export function integerAtLeast(value: number, min: number, where: string, name: string, orInfinity = false): number {
  const ok = Number.isInteger(value) && value >= min;
  if (ok || (orInfinity && value === Number.POSITIVE_INFINITY)) return value;
  throw outOfRange(where, name, `an integer ≥ ${min}${orInfinity ? ' or Infinity' : ''}`, value);
}

/** `value` if it is a finite number > 0. */
export function positiveNumber(value: number, where: string, name: string): number {
  if (Number.isFinite(value) && value > 0) return value;
  throw outOfRange(where, name, 'a positive number', value);
}

/** `value` if it is a finite number ≥ `min` ("must be <min> or more"). */
export function numberAtLeast(value: number, min: number, where: string, name: string): number {
  if (Number.isFinite(value) && value >= min) return value;
  throw outOfRange(where, name, `${min} or more`, value);
}

/** The RangeError for an option that breaks `rule`. */
export function outOfRange(where: string, name: string, rule: string, value: unknown): RangeError {
  return new RangeError(`${where}: ${name} must be ${rule}, got ${String(value)}`);
}
