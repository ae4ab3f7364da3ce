// A throwaway etcd for tests and examples: a real `etcd` process on 127.0.0.1 with its own
// temporary data directory and free client and peer ports (never 2379/2380, never a
// system etcd). It can be stopped and restarted on the same ports with the same data.
// The binary is `$ETCD_BIN`, `etcd` on PATH, or Debian's etcd-server unpacked into
// `.cache/debs/etcd/` (fetched there the first time it is needed; nothing is installed).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEB_CACHE, unpackDebs } from './debian.js';

const CACHED = join(DEB_CACHE, 'etcd/usr/bin/etcd');
const START_TIMEOUT_MS = 15_000;

/** A running (or stopped) local etcd. */
export interface LocalEtcd {
  /** `127.0.0.1:<client port>`, for `etcdRegistry({ hosts })`. */
  readonly host: string;
  readonly running: boolean;
  /** SIGTERM, and waits for the process to exit; the data stays. */
  stop(): Promise<void>;
  /** Starts again on the same ports with the same data; resolves once it answers. */
  restart(): Promise<void>;
  /** Stops it and deletes its data. */
  close(): Promise<void>;
}

/** The etcd binary: `$ETCD_BIN`, `etcd` on PATH, or the one unpacked into `.cache/debs/etcd/`. */
export function findEtcd(): string | undefined {
  const candidates = [
    process.env.ETCD_BIN,
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'etcd')),
    CACHED,
  ];
  return candidates.find((path): path is string => path !== undefined && path !== '' && existsSync(path));
}

/**
 * The etcd binary; without one, unpacks Debian's etcd-server into `.cache/debs/etcd/` and
 * says so in `fetched`. Throws, naming what to install, when it cannot be had.
 */
export function provideEtcd(): { readonly path: string; readonly fetched?: string } {
  const found = findEtcd();
  if (found !== undefined) return { path: found };
  try {
    unpackDebs('etcd', ['etcd-server']);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`no etcd binary (${why}); install one: apt-get install etcd-server, or set ETCD_BIN`);
  }
  return { path: CACHED, fetched: `etcd: unpacked Debian's etcd-server into ${join(DEB_CACHE, 'etcd')}` };
}

/** Starts etcd on free loopback ports and waits until it answers. */
export async function startEtcd(): Promise<LocalEtcd> {
  const { path: binary, fetched } = provideEtcd();
  if (fetched !== undefined) console.error(fetched);
  const dataDir = await mkdtemp(join(tmpdir(), 'switchboard-etcd-'));
  const clientUrl = `http://127.0.0.1:${await freePort()}`;
  const peerUrl = `http://127.0.0.1:${await freePort()}`;
  const args = [
    '--name=test',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=test=${peerUrl}`,
    '--initial-cluster-state=new',
    '--logger=zap',
    '--log-level=error',
  ];
  let child: ChildProcess | undefined;
  let output = '';

  const launch = async () => {
    output = '';
    const started = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    started.stderr?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    });
    child = started;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await answers(clientUrl))) {
      if (started.exitCode !== null) throw new Error(`etcd exited with ${started.exitCode}: ${output}`);
      if (Date.now() > deadline)
        throw new Error(`etcd did not answer on ${clientUrl} within ${START_TIMEOUT_MS} ms: ${output}`);
      await sleep(50);
    }
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGTERM');
    await exited;
  };

  await launch();
  return {
    host: clientUrl.slice('http://'.length),
    get running() {
      return child !== undefined;
    },
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    close: async () => {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    return response.ok && ((await response.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}
