import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function switchboard(...args: string[]) {
  return spawnSync('npx', ['tsx', 'src/cli/main.ts', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
}

describe('switchboard gen', () => {
  it('writes one module per proto, importing a path runtime relatively', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'switchboard-gen-'));
    const runtime = path.join(out, 'runtime', 'index.js');
    const result = switchboard(
      'gen',
      'proto/grpc/health/v1/health.proto',
      '--out',
      out,
      '--root',
      'proto',
      '--runtime',
      runtime,
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(readFileSync(path.join(out, 'grpc/health/v1/health.ts'), 'utf8')).toContain(
      "from '../../../runtime/index.js';",
    );
  });

  it('fails with one line naming the file and line of a syntax error', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-gen-'));
    const file = path.join(dir, 'broken.proto');
    writeFileSync(file, 'syntax = "proto3";\nmessage Broken {\n  string name = 1\n}\n');
    const result = switchboard('gen', file, '--out', dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^switchboard gen: cannot parse .*broken\.proto: .*line 4\)\n$/);
  });

  it('fails with one line naming a missing file', () => {
    const result = switchboard('gen', 'proto/nope.proto', '--out', tmpdir());
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`switchboard gen: proto file not found: ${path.join(repoRoot, 'proto/nope.proto')}\n`);
  });
});
