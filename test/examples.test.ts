// Runs every example as its own process and compares what it prints with the
// "Expected output" block of its README, so a README cannot drift from its program.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { provided } from './setup/provided.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const TIMEOUT_MS = 60_000;

/** The lines of the first fenced block under "## Expected output" in the example's README. */
async function expectedOutput(example: string): Promise<string[]> {
  const readme = await readFile(`${root}examples/${example}/README.md`, 'utf8');
  const block = /^## Expected output\n[^`]*```text\n([\s\S]*?)```/m.exec(readme)?.[1];
  if (block === undefined) throw new Error(`examples/${example}/README.md has no "## Expected output" text block`);
  return lines(block);
}

/** Runs `examples/<example>/main.ts` under tsx (which maps 'switchboard' through tsconfig paths). */
async function runExample(example: string): Promise<string[]> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', `examples/${example}/main.ts`], {
    cwd: root,
    timeout: TIMEOUT_MS,
  });
  return lines(stdout);
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

describe.concurrent('examples', () => {
  it(
    'greeter prints its README output, up to the parts the README says vary',
    async () => {
      // What the README lists as varying: the first node of the rotation, ports, latencies.
      const mask = (line: string) =>
        line
          .replace(/\bnode-[ab]\)/g, 'node-?)')
          .replace(/ on node-[ab] \(127\.0\.0\.1:\d+\)/, ' on node-? (127.0.0.1:PORT)')
          .replace(/p50=[\d.]+ms/, 'p50=?ms');
      const [expected, actual] = await Promise.all([expectedOutput('greeter'), runExample('greeter')]);
      expect(actual.map(mask)).toEqual(expected.map(mask));
      expect(actual).toContain('4 calls, 2 nodes, alternating: true');
    },
    TIMEOUT_MS,
  );

  it(
    'weighted-nodes prints exactly its README output',
    async () => {
      const [expected, actual] = await Promise.all([expectedOutput('weighted-nodes'), runExample('weighted-nodes')]);
      expect(actual).toEqual(expected);
      expect(actual).toContain('node-3 weight=3 calls=300 share=50.0% (by weight 50.0%)');
    },
    TIMEOUT_MS,
  );

  it.each(['routing', 'custom-balancer', 'failover', 'interceptors'])(
    '%s prints exactly its README output',
    async (example) => {
      const [expected, actual] = await Promise.all([expectedOutput(example), runExample(example)]);
      expect(actual).toEqual(expected);
    },
    TIMEOUT_MS,
  );

  it(
    'observability prints its README output, up to ports and latencies',
    async () => {
      const mask = (line: string) =>
        line
          .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
          .replace(/p50 [\d.]+ ms, p99 [\d.]+ ms, leastLoad cost [\d.]+/, 'p50 ? ms, p99 ? ms, leastLoad cost ?');
      const [expected, actual] = await Promise.all([expectedOutput('observability'), runExample('observability')]);
      expect(actual.map(mask)).toEqual(expected.map(mask));
    },
    TIMEOUT_MS,
  );

  it(
    'task-dispatch completes every task with a node killed midway; per-node counts vary',
    async () => {
      const mask = (line: string) => line.replace(/completed \d+, failed attempts \d+/, 'completed N, failed attempts N');
      const [expected, actual] = await Promise.all([expectedOutput('task-dispatch'), runExample('task-dispatch')]);
      expect(actual.map(mask)).toEqual(expected.map(mask));
      expect(actual).toContain('tasks: 1001 submitted, 1001 completed, 0 failed, 0 lost');
    },
    TIMEOUT_MS,
  );

  it.skipIf(provided('etcd', 'the etcd-cluster example test') === undefined)(
    'etcd-cluster prints exactly its README output',
    async () => {
      const [expected, actual] = await Promise.all([expectedOutput('etcd-cluster'), runExample('etcd-cluster')]);
      expect(actual).toEqual(expected);
      expect(actual).toContain('60 calls: node-1=20 node-2=20 node-3=20');
    },
    TIMEOUT_MS,
  );
});
