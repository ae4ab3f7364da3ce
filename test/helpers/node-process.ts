import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../fixtures/fault-node.ts', import.meta.url));

/** An Echo node running in a child process (test/fixtures/fault-node.ts). */
export interface NodeProcess {
  readonly id: string;
  readonly address: string;
  readonly child: ChildProcess;
  /** Sends a signal and, for terminating ones, waits for the exit. */
  signal(signal: NodeJS.Signals): Promise<void>;
}

/** Starts an Echo node process; `port` 0 picks a free one. */
export async function startNodeProcess(id: string, port = 0): Promise<NodeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, id, String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`node process ${id} exited with ${code} before listening`);
    }),
  ])) as [string];
  const { address } = JSON.parse(line) as { address: string };
  return {
    id,
    address,
    child,
    signal: async (signal) => {
      const exited = child.exitCode !== null || child.signalCode !== null;
      child.kill(signal);
      if (!exited && (signal === 'SIGKILL' || signal === 'SIGTERM')) await once(child, 'exit');
    },
  };
}

/** Kills whatever is left of the processes. */
export function killAll(nodes: readonly NodeProcess[]): void {
  for (const node of nodes)
    if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGKILL');
}

/** Port of a `host:port` address. */
export function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}
