import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Greeter nodes running in a child process. */
export interface NodesProcess {
  readonly addresses: string[];
  stop(): Promise<void>;
}

/** Starts `count` immediate-answer Greeter nodes in a child process (bench/greeter-nodes.ts). */
export async function spawnGreeterNodes(count: number): Promise<NodesProcess> {
  const script = fileURLToPath(new URL('./greeter-nodes.ts', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script, String(count)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return {
    addresses: JSON.parse(line) as string[],
    stop: async () => {
      child.stdin!.end();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}
