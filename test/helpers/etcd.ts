// A throwaway etcd for tests and examples: a real `etcd` process on 127.0.0.1 with its own
// temporary data directory and free client and peer ports (never 2379/2380, never a
// system etcd). It can be stopped and restarted on the same ports with the same data.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
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

/** The etcd binary: `$ETCD_BIN`, `.etcd/pkg/usr/bin/etcd` (what `.ci/run` unpacks), or `etcd` on PATH. */
export function findEtcd(): string | undefined {
  const candidates = [
    process.env.ETCD_BIN,
    join(root, '.etcd/pkg/usr/bin/etcd'),
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'etcd')),
  ];
  return candidates.find((path): path is string => path !== undefined && path !== '' && existsSync(path));
}

/** Starts etcd on free loopback ports and waits until it answers. */
export async function startEtcd(): Promise<LocalEtcd> {
  const binary = findEtcd();
  if (binary === undefined) {
    throw new Error('no etcd binary: install etcd-server, or run .ci/run (it unpacks one into .etcd/), or set ETCD_BIN');
  }
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
      if (Date.now() > deadline) throw new Error(`etcd did not answer on ${clientUrl} within ${START_TIMEOUT_MS} ms: ${output}`);
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
