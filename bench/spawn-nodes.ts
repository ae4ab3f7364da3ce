import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Greeter nodes running in a child process. */
export interface NodesProcess {
  readonly addresses: string[];
  stop(): Promise<void>;
}

/** A bench script in a child process that printed its addresses as its first line. */
async function spawnNodes(script: string, args: readonly string[]): Promise<{ child: ChildProcess; first: unknown; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url)), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return {
    child,
    first: JSON.parse(line),
    stop: async () => {
      child.stdin!.end();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

/** Starts `count` immediate-answer Greeter nodes in a child process (bench/greeter-nodes.ts). */
export async function spawnGreeterNodes(count: number, options: { loadReport?: boolean } = {}): Promise<NodesProcess> {
  const args = [String(count), ...(options.loadReport === false ? ['--no-load-report'] : [])];
  const { first, stop } = await spawnNodes('./greeter-nodes.ts', args);
  return { addresses: first as string[], stop };
}

/** Single-worker nodes in a child process (bench/worker-nodes.ts), plain grpc-js and Switchboard. */
export interface WorkerNodesProcess {
  /** Plain grpc-js servers with ORCA out-of-band reports, no per-call reports. */
  readonly plain: string[];
  /** Switchboard nodes with their per-call load reports. */
  readonly switchboard: string[];
  /** Changes node `index`'s service time (both flavours). */
  setServiceMs(index: number, ms: number): void;
  stop(): Promise<void>;
}

/** Starts one single-worker node of each flavour per service time, in a child process. */
export async function spawnWorkerNodes(serviceMs: readonly number[]): Promise<WorkerNodesProcess> {
  const { child, first, stop } = await spawnNodes('./worker-nodes.ts', serviceMs.map(String));
  const addresses = first as { plain: string[]; switchboard: string[] };
  return {
    plain: addresses.plain,
    switchboard: addresses.switchboard,
    setServiceMs: (index, ms) => child.stdin!.write(`service ${index} ${ms}\n`),
    stop,
  };
}
