// Go with Debian's grpc-go and protobuf sources, for tests that run a Go gRPC client: when
// `go` or the sources are missing, the global setup installs the Debian packages with
// apt-get (one line); where it cannot, the tests skip with the reason. Programs build in
// GOPATH mode against /usr/share/gocode and are cached in .cache/go/ (keyed by their
// source), so only the first run pays for the build.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { installDebs } from '../../scripts/dev/debian.js';
import { cannotProvide, type Provided, type Provider } from './provider.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const GOPATH = '/usr/share/gocode';
const PACKAGES = ['golang-go', 'golang-google-grpc-dev', 'golang-google-protobuf-dev'];
const INSTALL = `apt-get install ${PACKAGES.join(' ')}`;
/** Go packages the programs import, as directories of GOPATH. */
const SOURCES = [
  'google.golang.org/grpc/reflection/grpc_reflection_v1alpha',
  'google.golang.org/protobuf/reflect/protodesc',
];

declare module 'vitest' {
  interface ProvidedContext {
    goGrpc: Provided;
  }
}

export const goGrpc: Provider = {
  name: 'goGrpc',
  provide() {
    const found = ready();
    if (found !== undefined) return { path: found };
    try {
      installDebs(PACKAGES);
    } catch (error) {
      throw cannotProvide('Go with grpc-go', INSTALL, error);
    }
    const go = ready();
    if (go === undefined)
      throw cannotProvide(
        'Go with grpc-go',
        INSTALL,
        new Error('installed, but Go or the grpc-go sources are still missing'),
      );
    return { path: go, fetched: `go grpc: installed Debian's ${PACKAGES.join(', ')} (apt-get install)` };
  },
};

/** The go binary when it and the sources are there. */
function ready(): string | undefined {
  const go = onPath('go') ?? (existsSync('/usr/lib/go/bin/go') ? '/usr/lib/go/bin/go' : undefined);
  if (go === undefined) return undefined;
  return SOURCES.every((dir) => existsSync(join(GOPATH, 'src', dir))) ? go : undefined;
}

function onPath(name: string): string | undefined {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, name))
    .find((file) => existsSync(file));
}

/**
 * Builds the Go program in `dir` (its .go files; repository-relative) once, and gives the
 * binary's path: .cache/go/<name>-<hash of the sources>.
 */
export async function buildGoProgram(go: string, dir: string, name: string): Promise<string> {
  const source = join(root, dir);
  const hash = createHash('sha256');
  for (const file of readdirSync(source)
    .filter((f) => f.endsWith('.go'))
    .sort()) {
    hash.update(file).update(readFileSync(join(source, file)));
  }
  const out = join(root, '.cache/go', `${name}-${hash.digest('hex').slice(0, 12)}`);
  if (existsSync(out)) return out;
  await mkdir(join(root, '.cache/go'), { recursive: true });
  const env = { ...process.env, GOPATH, GO111MODULE: 'off', GOCACHE: join(root, '.cache/go/build-cache'), GOFLAGS: '' };
  try {
    await run(go, ['build', '-o', out, '.'], { cwd: source, env });
  } catch (error) {
    throw new Error(`go build of ${dir} failed: ${(error as { stderr?: string }).stderr ?? String(error)}`);
  }
  return out;
}
