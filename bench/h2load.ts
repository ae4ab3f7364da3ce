/**
 * h2load (nghttp2's HTTP/2 load generator, written in C) as a gRPC load source: it costs
 * the machine a few µs per call, so a single Node.js node in front of it runs out of CPU
 * first and its calls/s are the server's throughput. Taken from PATH, or unpacked from
 * Debian's nghttp2-client (with the two libraries it needs) into `.cache/debs/h2load/`
 * (gitignored), as the tests do with etcd: nothing is installed system-wide.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEB_CACHE, libraryDirs, unpackDebs } from '../scripts/dev/debian.js';
import { pinned } from './spawn-nodes.js';

const UNPACKED = path.join(DEB_CACHE, 'h2load');
/** The request bodies h2load sends. */
const BODIES = fileURLToPath(new URL('../.cache/h2load/', import.meta.url));
const PACKAGES = ['nghttp2-client', 'libev4', 'libjemalloc2'];
const run = promisify(execFile);

/** How to start h2load here. */
export interface Runnable {
  readonly command: string;
  readonly env: NodeJS.ProcessEnv;
}

/** h2load, or why it cannot be started. */
export type H2load = Runnable | { readonly missing: string };

/** h2load from PATH, else from `.cache/debs/h2load/`, unpacking Debian's packages there the first time. */
export function findH2load(): H2load {
  if (spawnSync('h2load', ['--version'], { stdio: 'ignore' }).status === 0)
    return { command: 'h2load', env: process.env };
  const local = path.join(UNPACKED, 'usr/bin/h2load');
  let why = '';
  if (!existsSync(local)) {
    try {
      unpackDebs('h2load', PACKAGES);
    } catch (error) {
      why = `: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const env = { ...process.env, LD_LIBRARY_PATH: libraryDirs(UNPACKED).join(':') };
  if (spawnSync(local, ['--version'], { stdio: 'ignore', env }).status === 0) return { command: local, env };
  return {
    missing: `h2load not found (Debian: apt-get install nghttp2-client; could not unpack it into ${UNPACKED}${why})`,
  };
}

/**
 * A gRPC request as h2load sends it (the 5-byte length prefix and the encoded message),
 * written to `.cache/h2load/<name>.grpc`.
 */
export function grpcBodyFile(name: string, message: Uint8Array): string {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  mkdirSync(BODIES, { recursive: true });
  const file = path.join(BODIES, `${name}.grpc`);
  writeFileSync(file, frame);
  return file;
}

/**
 * Calls `method` (a gRPC path) on `address` for `seconds` over one connection with
 * `inFlight` streams, h2load held to the first CPU where it can be; returns calls/s. h2load
 * counts HTTP statuses only, so callers check the node's own call count for gRPC failures.
 */
export async function h2loadCallsPerSecond(
  h2load: Runnable,
  target: { address: string; method: string; body: string },
  seconds: number,
  inFlight: number,
): Promise<number> {
  const args = ['-D', String(seconds), '-c', '1', '-m', String(inFlight), '-d', target.body];
  args.push('-H', 'content-type: application/grpc', '-H', 'te: trailers', `http://${target.address}${target.method}`);
  const command = pinned([h2load.command, ...args], 'first');
  const { stdout } = await run(command[0]!, command.slice(1), { env: h2load.env });
  const done = /requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded/.exec(stdout);
  const rate = /finished in ([\d.]+)s, ([\d.]+) req\/s/.exec(stdout);
  if (done === null || rate === null || done[1] !== done[2])
    throw new Error(`h2load against ${target.address}${target.method} failed:\n${stdout}`);
  return Number(rate[2]);
}
