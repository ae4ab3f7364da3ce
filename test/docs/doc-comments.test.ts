// Every name the package exports carries a doc comment: the API reference (`npm run docs`)
// is built from them. Read from the sources directly, so the test needs neither TypeDoc
// nor the network.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The package's entry points: `switchboard`, `switchboard/extend` and `switchboard/otel`. */
const ENTRY_POINTS = ['src/index.ts', 'src/extend.ts', 'src/otel.ts'].filter((file) =>
  existsSync(path.join(root, file)),
);

/**
 * Exports still without a doc comment, as `name (file)`. Empty this list as they get one:
 * the test fails for a name missing from it, and for a listed name that now has a comment.
 */
const UNDOCUMENTED: readonly string[] = [];

interface ReExport {
  /** The name in the module it comes from. */
  readonly local: string;
  /** The name the entry point exports. */
  readonly exported: string;
  /** The module specifier, e.g. `./client/client.js`. */
  readonly from: string;
}

/** The `export { a, type B, c as d } from '...'` lists of a module (also `export type { ... }`). */
function reExports(source: string): ReExport[] {
  const found: ReExport[] = [];
  for (const match of source.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/gm)) {
    for (const item of match[1]!
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [local, exported = local] = item.replace(/^type\s+/, '').split(/\s+as\s+/) as [string, string?];
      found.push({ local, exported, from: match[2]! });
    }
  }
  return found;
}

/** Where `name` is declared, following re-exports: the file and the declaration's offset. */
function declaration(file: string, name: string, seen = new Set<string>()): { file: string; at: number } | undefined {
  if (seen.has(`${file}#${name}`)) return undefined;
  seen.add(`${file}#${name}`);
  const source = readFileSync(file, 'utf8');
  const kinds = '(?:function\\*?|const|let|var|class|interface|type|enum|namespace)';
  const decl = new RegExp(
    `^(?:export\\s+)?(?:declare\\s+)?(?:abstract\\s+)?(?:async\\s+)?${kinds}\\s+${name}\\b`,
    'm',
  ).exec(source);
  if (decl) return { file, at: decl.index };
  const next = reExports(source).find((r) => r.exported === name);
  if (next === undefined || !next.from.startsWith('.')) return undefined;
  return declaration(resolveModule(file, next.from), next.local, seen);
}

function resolveModule(from: string, specifier: string): string {
  return path.resolve(path.dirname(from), specifier.replace(/\.js$/, '.ts'));
}

/** Whether a non-empty `/** ... *\/` comment ends right before `at` (only whitespace between). */
function hasDocComment(source: string, at: number): boolean {
  const before = source.slice(0, at).trimEnd();
  if (!before.endsWith('*/')) return false;
  const start = before.lastIndexOf('/*');
  return start >= 0 && before.startsWith('/**', start) && before.slice(start + 3, -2).replace(/[\s*]/g, '') !== '';
}

/** The exports of an entry point (relative to the root) without a doc comment (`name (file)`), and those not found. */
function undocumented(entry: string): { missing: string[]; unresolved: string[] } {
  const file = path.join(root, entry);
  const missing: string[] = [];
  const unresolved: string[] = [];
  for (const { local, exported, from } of reExports(readFileSync(file, 'utf8'))) {
    if (!from.startsWith('.')) continue; // another package's export, documented there
    const found = declaration(resolveModule(file, from), local);
    if (found === undefined) unresolved.push(`${exported} (${from})`);
    else if (!hasDocComment(readFileSync(found.file, 'utf8'), found.at))
      missing.push(`${exported} (${path.relative(root, found.file)})`);
  }
  return { missing, unresolved };
}

describe('doc comments', () => {
  it.each(ENTRY_POINTS)('%s is an explicit export list', (entry) => {
    const source = readFileSync(path.join(root, entry), 'utf8');
    expect(source).not.toMatch(/^export\s+\*/m);
    // `switchboard/otel` is small: the factory, its options and what it returns.
    const minimum = entry === 'src/otel.ts' ? 2 : 10;
    expect(reExports(source).filter((r) => r.from.startsWith('.')).length).toBeGreaterThan(minimum);
  });

  it.each(ENTRY_POINTS)('every export of %s has a doc comment on its declaration', (entry) => {
    const { missing, unresolved } = undocumented(entry);
    expect(unresolved).toEqual([]);
    expect(missing.filter((name) => !UNDOCUMENTED.includes(name))).toEqual([]);
  });

  it('lists only exports that still lack a comment', () => {
    const missing = new Set(ENTRY_POINTS.flatMap((entry) => undocumented(entry).missing));
    expect(UNDOCUMENTED.filter((name) => !missing.has(name))).toEqual([]);
  });

  it('finds an undocumented export, through renames and re-exports', () => {
    expect(undocumented('test/fixtures/doc-comments/entry.ts')).toEqual({
      missing: ['undocumented (test/fixtures/doc-comments/module.ts)'],
      unresolved: [],
    });
  });

  it('tells a doc comment from a plain one, an empty one, and one that is not adjacent', () => {
    const documented = (source: string) => hasDocComment(source, source.indexOf('export'));
    expect(documented('/** Says hello. */\nexport function hello() {}')).toBe(true);
    expect(documented('/**\n * Says hello.\n */\n\nexport function hello() {}')).toBe(true);
    expect(documented('/* Says hello. */\nexport function hello() {}')).toBe(false);
    expect(documented('// Says hello.\nexport function hello() {}')).toBe(false);
    expect(documented('/** */\nexport function hello() {}')).toBe(false);
    expect(documented('/** Other. */\nconst x = 1;\nexport function hello() {}')).toBe(false);
  });
});
