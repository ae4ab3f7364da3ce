import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { generateTarget, writeGenerated } from '../src/cli/gen-target.js';
import { genTargets, repoRoot } from './gen-targets.js';

// Regenerates every target, then deletes modules in the output directories that no
// target produces any more (those directories hold generated code only).
const written = new Map<string, Set<string>>();
for (const target of genTargets) {
  const out = path.resolve(repoRoot, target.out);
  const files = generateTarget(target, repoRoot);
  writeGenerated(out, files);
  const names = written.get(out) ?? new Set<string>();
  for (const { file } of files) names.add(path.join(out, file));
  written.set(out, names);
  console.log(`${target.out}: ${files.map(({ file }) => file).join(', ')}`);
}
for (const [out, names] of written) {
  for (const entry of readdirSync(out, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (entry.isFile() && file.endsWith('.ts') && !names.has(file)) {
      rmSync(file);
      console.log(`removed stale ${path.relative(repoRoot, file)}`);
    }
  }
}
