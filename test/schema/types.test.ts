import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

// test/types/typecheck.ts holds the compile-time tests of the client and handler types:
// lines that must compile, and `@ts-expect-error` lines that must not (an unused
// directive is itself an error, so a type that became too loose fails here).
it('client and handler types accept what they should and reject what they should', () => {
  const result = spawnSync('npx', ['tsc', '--noEmit', '-p', 'test/types/tsconfig.json'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
  expect(result.status).toBe(0);
}, 60_000);
