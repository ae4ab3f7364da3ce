// `npm run docs`: the API reference of Switchboard's entry points, written to docs/api/.
// TypeDoc cannot load the TypeScript the repository compiles with (7, the native port), so
// it lives in this package with the TypeScript it supports, installed here on first use
// (docs/decisions/0034-typedoc-subpackage.md).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const wanted = JSON.parse(readFileSync(`${here}package.json`, 'utf8')).devDependencies;

/** Whether every pinned package is installed at its pinned version. */
function installed() {
  return Object.entries(wanted).every(([name, version]) => {
    const manifest = `${here}node_modules/${name}/package.json`;
    return existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).version === version;
  });
}

if (!installed()) {
  console.log('installing TypeDoc into tools/typedoc/node_modules (once)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['ci', '--no-audit', '--no-fund'], {
    cwd: here,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
}

const entryPoints = ['src/index.ts', 'src/extend.ts', 'src/otel.ts'].filter((file) => existsSync(`${root}${file}`));
const args = ['--options', `${here}typedoc.json`, '--out', `${root}docs/api`];
for (const entry of entryPoints) args.push('--entryPoints', `${root}${entry}`);
execFileSync(process.execPath, [`${here}node_modules/typedoc/bin/typedoc`, ...args], { cwd: root, stdio: 'inherit' });
