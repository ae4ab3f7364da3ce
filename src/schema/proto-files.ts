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
  for (const file of files) {
    if (!existsSync(file)) throw new Error(`proto file not found: ${file}`);
  }
  const root = new protobuf.Root();
  // protobufjs parses each file right after resolving its path, so the last path resolved
  // names the file a tokenizer error (which carries only a line number) comes from.
  let current = files[0] ?? '';
  root.resolvePath = (origin, target) => {
    if (path.isAbsolute(target)) {
      current = target;
      return target;
    }
    const searched = [origin ? path.dirname(origin) : process.cwd(), ...includeDirs];
    const found = searched.map((dir) => path.resolve(dir, target)).find((candidate) => existsSync(candidate));
    if (found === undefined) {
      throw new Error(
        `${relative(origin)}: import "${target}" not found (searched ${searched.map(relative).join(', ')})`,
      );
    }
    current = found;
    return found;
  };
  try {
    root.loadSync(
      files.map((file) => path.resolve(file)),
      { keepCase: false },
    );
    root.resolveAll();
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const file = relative(current);
    throw new Error(text.includes(file) || text.includes(current) ? text : `${file}: ${text}`);
  }
  return root;
}

/** A path as the user would write it: relative to the working directory when inside it. */
function relative(file: string): string {
  const inside = path.relative(process.cwd(), file);
  return inside.startsWith('..') ? file : inside || '.';
}
