import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateTarget } from '../../src/cli/gen-target.js';
import { genTargets, repoRoot } from '../../scripts/gen-targets.js';

const HINT = 'generated code is out of date: run `npm run gen` and commit the result';

describe('committed generated code', () => {
  const expected = new Map<string, string>();
  for (const target of genTargets) {
    for (const { file, content } of generateTarget(target, repoRoot)) {
      expected.set(path.join(target.out, file), content);
    }
  }

  it.each([...expected.keys()])('%s is up to date', (file) => {
    const onDisk = path.join(repoRoot, file);
    expect(existsSync(onDisk), `${file} is missing; ${HINT}`).toBe(true);
    expect(readFileSync(onDisk, 'utf8'), `${file} differs; ${HINT}`).toBe(expected.get(file));
  });

  it('has no stale modules in the output directories', () => {
    const outs = [...new Set(genTargets.map((target) => target.out))];
    const stale = outs.flatMap((out) =>
      readdirSync(path.join(repoRoot, out), { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
        .map((entry) => path.relative(repoRoot, path.join(entry.parentPath, entry.name)))
        .filter((file) => !expected.has(file)),
    );
    expect(stale, `no target generates these; ${HINT}`).toEqual([]);
  });
});
