/**
 * Debian packages for the tests, examples and benchmarks: what npm does not install.
 *
 * - `unpackDebs` downloads packages (`apt-get download`, no dependencies) and extracts them
 *   (`dpkg-deb -x`) into `.cache/debs/<name>/` (gitignored): no maintainer script runs, so
 *   no service starts and nothing outside the repository changes. For self-contained
 *   programs (etcd) and ones whose few libraries are listed by hand (h2load).
 * - `installDebs` runs `apt-get install` (as root, or through `sudo -n`), for what needs its
 *   dependencies resolved or lives where a system program expects it (Chromium, Python
 *   modules for /usr/bin/python3).
 *
 * A failed apt-get is retried once after `apt-get update`: in a fresh container the package
 * lists are missing or stale, and "Unable to locate package" or a 404 is the usual result.
 * Failures throw an Error carrying apt's last lines.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where unpacked packages live: `.cache/debs/<name>/`, one folder per use. */
export const DEB_CACHE = fileURLToPath(new URL('../../.cache/debs/', import.meta.url));

/** Whether this machine has apt-get (Debian and its derivatives). */
export function hasApt(): boolean {
  return spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Downloads `packages` and extracts them into `.cache/debs/<name>/` (replacing what was
 * there), returning that folder; a program is then at `<folder>/usr/bin/<program>`.
 */
export function unpackDebs(name: string, packages: readonly string[]): string {
  requireApt(packages);
  const target = path.join(DEB_CACHE, name);
  const work = `${target}.partial`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(path.join(work, 'debs'), { recursive: true });
  apt(['download', ...packages], path.join(work, 'debs'), false);
  for (const deb of readdirSync(path.join(work, 'debs'))) {
    run('dpkg-deb', ['-x', path.join(work, 'debs', deb), path.join(work, 'root')]);
  }
  // Extract then rename, so an interrupted run leaves no half-filled folder behind.
  rmSync(target, { recursive: true, force: true });
  renameSync(path.join(work, 'root'), target);
  rmSync(work, { recursive: true, force: true });
  return target;
}

/** Installs `packages` system-wide with their dependencies (no recommends). */
export function installDebs(packages: readonly string[]): void {
  requireApt(packages);
  apt(['install', '-y', '-qq', '--no-install-recommends', ...packages], undefined, true);
}

/** The folders of an unpacked tree that hold shared libraries, for LD_LIBRARY_PATH. */
export function libraryDirs(root: string): string[] {
  // Named after the architecture: x86_64-linux-gnu, aarch64-linux-gnu, ...
  const libs = path.join(root, 'usr/lib');
  return existsSync(libs)
    ? readdirSync(libs)
        .filter((d) => d.endsWith('-linux-gnu'))
        .map((d) => path.join(libs, d))
    : [];
}

function requireApt(packages: readonly string[]): void {
  if (!hasApt()) throw new Error(`no apt-get on this machine to fetch ${packages.join(' ')}`);
}

let updated = false;

function apt(args: readonly string[], cwd: string | undefined, asRoot: boolean): void {
  try {
    run('apt-get', args, cwd, asRoot);
  } catch (error) {
    if (updated) throw error;
    updated = true;
    run('apt-get', ['update', '-qq'], undefined, true);
    run('apt-get', args, cwd, asRoot);
  }
}

function run(command: string, args: readonly string[], cwd?: string, asRoot = false): void {
  const sudo = asRoot && process.getuid?.() !== 0;
  const [file, argv] = sudo ? ['sudo', ['-n', command, ...args]] : [command, args];
  const result = spawnSync(file, argv, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0) {
    const said = `${result.stderr ?? ''}${result.error?.message ?? ''}`.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`${sudo ? 'sudo -n ' : ''}${command} ${args.join(' ')} failed${said === '' ? '' : `: ${said}`}`);
  }
}
