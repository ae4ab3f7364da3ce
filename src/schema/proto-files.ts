import { existsSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';

/** Where to look for the imports of .proto files. */
export interface ProtoLoadOptions {
  /** Directories searched for imports, after the importing file's own directory. */
  readonly includeDirs?: readonly string[];
}

/**
 * Parses .proto files (and their imports) into one resolved protobufjs root with
 * camelCase field names. Errors name the file (and, for syntax errors, the line).
 */
export function loadProtoRoot(files: readonly string[], options: ProtoLoadOptions = {}): protobuf.Root {
  const includeDirs = (options.includeDirs ?? []).map((dir) => path.resolve(dir));
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    if (path.isAbsolute(target)) return target;
    const candidates = [origin ? path.dirname(origin) : process.cwd(), ...includeDirs].map((dir) =>
      path.resolve(dir, target),
    );
    return candidates.find((candidate) => existsSync(candidate)) ?? target;
  };
  for (const file of files) {
    if (!existsSync(file)) throw new Error(`proto file not found: ${file}`);
  }
  try {
    root.loadSync(
      files.map((file) => path.resolve(file)),
      { keepCase: false },
    );
    root.resolveAll();
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot load ${files.join(', ')}: ${text}`);
  }
  return root;
}
