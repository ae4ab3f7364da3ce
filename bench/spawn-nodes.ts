import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Greeter nodes running in a child process. */
export interface NodesProcess {
  readonly addresses: string[];
  /** CPU time (user + system) the node process has used so far, in µs. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/** A bench script in a child process that printed its addresses as its first line and answers stdin lines with one stdout line each. */
async function spawnNodes(
  script: string,
  args: readonly string[],
): Promise<{ child: ChildProcess; first: unknown; ask(line: string): Promise<string>; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url)), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, 'line')) as [string];
  return {
    child,
    first: JSON.parse(line),
    ask: async (question) => {
      const answer = once(lines, 'line') as Promise<[string]>;
      child.stdin!.write(`${question}\n`);
      return (await answer)[0];
    },
    stop: async () => {
      child.stdin!.end();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

/** Starts `count` immediate-answer Greeter nodes in a child process (bench/greeter-nodes.ts). */
export async function spawnGreeterNodes(count: number, options: { loadReport?: boolean } = {}): Promise<NodesProcess> {
  const args = [String(count), ...(options.loadReport === false ? ['--no-load-report'] : [])];
  const { first, ask, stop } = await spawnNodes('./greeter-nodes.ts', args);
  return { addresses: first as string[], cpuMicros: async () => Number(await ask('cpu')), stop };
}

/** Single-worker nodes in a child process (bench/worker-nodes.ts), plain grpc-js and Switchboard. */
export interface WorkerNodesProcess {
  /** Plain grpc-js servers with ORCA out-of-band reports, no per-call reports. */
  readonly plain: string[];
  /** Switchboard nodes with their per-call load reports. */
  readonly switchboard: string[];
  /** Switchboard nodes with `loadReport: false`. */
  readonly quiet: string[];
  /** Changes node `index`'s service time (both flavours). */
  setServiceMs(index: number, ms: number): void;
  stop(): Promise<void>;
}

/** Starts one single-worker node of each flavour (plain, Switchboard, quiet Switchboard) per service time, in a child process. */
export async function spawnWorkerNodes(serviceMs: readonly number[]): Promise<WorkerNodesProcess> {
  const { child, first, stop } = await spawnNodes('./worker-nodes.ts', serviceMs.map(String));
  const addresses = first as { plain: string[]; switchboard: string[]; quiet: string[] };
  return {
    plain: addresses.plain,
    switchboard: addresses.switchboard,
    quiet: addresses.quiet,
    setServiceMs: (index, ms) => child.stdin!.write(`service ${index} ${ms}\n`),
    stop,
  };
}
