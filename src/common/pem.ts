import { readFileSync } from 'node:fs';

/**
 * A PEM certificate or key: its contents (a Buffer, or a string that starts with
 * `-----BEGIN`), or the path of a file that holds it.
 */
export type PemSource = Buffer | string;

/** The PEM bytes of a source; a file that cannot be read is named in the error with `what` it was for. */
export function readPem(source: PemSource, what: string): Buffer {
  if (Buffer.isBuffer(source)) return source;
  if (typeof source !== 'string' || source === '') {
    throw new TypeError(`${what}: expected PEM contents (Buffer or "-----BEGIN ..." text) or a file path`);
  }
  if (source.trimStart().startsWith('-----BEGIN')) return Buffer.from(source);
  try {
    return readFileSync(source);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${what}: cannot read ${source}: ${reason}`);
  }
}
