import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type GeneratedFile, generate } from '../schema/codegen.js';

/** One run of the code generator: which .proto files, where the modules go. */
export interface GenTarget {
  readonly protos: readonly string[];
  /** Output directory. */
  readonly out: string;
  /** Output paths mirror the .proto paths relative to this; default: their common directory. */
  readonly root?: string;
  /** Directories searched for imports. */
  readonly include?: readonly string[];
  /**
   * Where generated code imports the runtime from: a package (`'switchboard'`), or
   * `{ file }`, a module in this project that each generated file imports by relative path.
   */
  readonly runtime: string | { readonly file: string };
}

/** The modules of a target, in memory; relative paths are taken from `base`. */
export function generateTarget(target: GenTarget, base = process.cwd()): GeneratedFile[] {
  const from = (file: string) => path.resolve(base, file);
  const { runtime } = target;
  const out = from(target.out);
  return generate(target.protos.map(from), {
    includeDirs: (target.include ?? []).map(from),
    protoRoot: target.root === undefined ? undefined : from(target.root),
    runtimeImport: typeof runtime === 'string' ? runtime : (file) => relativeImport(out, file, from(runtime.file)),
  });
}

/** Writes generated modules under `out`, creating directories as needed. */
export function writeGenerated(out: string, files: readonly GeneratedFile[]): void {
  for (const { file, content } of files) {
    const target = path.join(out, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}

function relativeImport(out: string, file: string, module: string): string {
  const specifier = path
    .relative(path.dirname(path.join(out, file)), module)
    .split(path.sep)
    .join('/');
  return specifier.startsWith('.') ? specifier : `./${specifier}`;
}
