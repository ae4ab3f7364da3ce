import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { EndpointsRun } from './many-endpoints-client.js';
import type { ClientRun } from './overhead-client.js';

/** The kinds of Greeter node bench/greeter-nodes.ts starts (see there). */
export const FLAVOURS = ['switchboard', 'quiet', 'quiet-inheriting', 'plain', 'plain-report', 'plain-tiny'] as const;
export type Flavour = (typeof FLAVOURS)[number];

/** Greeter nodes running in a child process. */
export interface NodesProcess {
  readonly addresses: string[];
  /** CPU time (user + system) the node process has used so far, in µs. */
  cpuMicros(): Promise<number>;
  /** SayHello calls the nodes have answered so far. */
  calls(): Promise<number>;
  stop(): Promise<void>;
}

/** Which CPU a child process is held to, where it can be (Linux `taskset`, 2 CPUs or more). */
type Cpu = 'first' | 'last';

/** Whether processes can be pinned here; asked once, when a benchmark first pins one. */
let canPin: boolean | undefined;

/** Whether processes are held to one CPU here (Linux `taskset`, 2 CPUs or more). */
export function pinsProcesses(): boolean {
  canPin ??= availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  return canPin;
}

/**
 * `command` held to one CPU when the machine allows: the overhead benchmark keeps its
 * clients and its nodes on CPUs of their own, so neither is moved around by the other's
 * load (on a 2-CPU VM the quartile range of the overhead ratio went from 0.16 to 0.08).
 */
export function pinned(command: string[], cpu: Cpu | undefined): string[] {
  if (cpu === undefined) return command;
  if (!pinsProcesses()) return command;
  return ['taskset', '-c', cpu === 'first' ? '0' : String(availableParallelism() - 1), ...command];
}

/**
 * A bench script in a child process that printed one JSON line when ready (nodes: their
 * addresses) and answers stdin lines with one stdout line each.
 */
async function spawnScript(
  script: string,
  args: readonly string[],
  cpu?: Cpu,
  nodeFlags: readonly string[] = [],
): Promise<{ child: ChildProcess; first: unknown; ask(line: string): Promise<string>; stop(): Promise<void> }> {
  const command = pinned(
    [process.execPath, ...nodeFlags, '--import', 'tsx', fileURLToPath(new URL(script, import.meta.url)), ...args],
    cpu,
  );
  const child: ChildProcess = spawn(command[0]!, command.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
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

/**
 * Starts `count` immediate-answer Greeter nodes of a flavour in a child process
 * (bench/greeter-nodes.ts), on the last CPU where it can.
 */
export async function spawnGreeterNodes(count: number, flavour: Flavour = 'switchboard'): Promise<NodesProcess> {
  const { first, ask, stop } = await spawnScript('./greeter-nodes.ts', [String(count), `--flavour=${flavour}`], 'last');
  return {
    addresses: first as string[],
    cpuMicros: async () => Number(await ask('cpu')),
    calls: async () => Number(await ask('calls')),
    stop,
  };
}

/** Single-worker nodes in a child process (bench/worker-nodes.ts), plain grpc-js and Switchboard. */
export interface WorkerNodesProcess {
  /** Plain grpc-js servers with ORCA out-of-band reports, no per-call reports. */
  readonly plain: string[];
  /** Switchboard nodes with their per-call load reports. */
  readonly switchboard: string[];
  /** Switchboard nodes with `loadReport: false`. */
  readonly quiet: string[];
  /** The nodes of a flavour by its name in bench/worker-nodes.ts (`plain`, `switchboard`, `quiet`, ...). */
  addresses(flavour: string): string[];
  /** Changes node `index`'s service time (both flavours). */
  setServiceMs(index: number, ms: number): void;
  /**
   * The node process's stalls since the previous call (a 1 ms timer late by 2 ms or more:
   * [start in ms since the epoch, length in ms]), and over how long; the first call starts
   * the timing.
   */
  stalls(): Promise<{ readonly samples: [number, number][]; readonly ms: number }>;
  stop(): Promise<void>;
}

/**
 * Starts one single-worker node of each flavour (plain, Switchboard, quiet Switchboard) per
 * service time, in a child process.
 */
export async function spawnWorkerNodes(serviceMs: readonly number[]): Promise<WorkerNodesProcess> {
  const { child, first, ask, stop } = await spawnScript('./worker-nodes.ts', serviceMs.map(String));
  const addresses = first as Record<string, string[]> & { plain: string[]; switchboard: string[]; quiet: string[] };
  return {
    plain: addresses.plain,
    switchboard: addresses.switchboard,
    quiet: addresses.quiet,
    addresses: (flavour) => {
      const found = addresses[flavour];
      if (found === undefined) {
        throw new Error(`no worker nodes of flavour ${flavour} (flavours: ${Object.keys(addresses).join(', ')})`);
      }
      return found;
    },
    setServiceMs: (index, ms) => child.stdin!.write(`service ${index} ${ms}\n`),
    stalls: async () => JSON.parse(await ask('stalls')) as { samples: [number, number][]; ms: number },
    stop,
  };
}

/** A benchmark client in a child process of its own (bench/overhead-client.ts). */
export interface ClientProcess {
  /** Runs the client's closed loop for `seconds` and reports it. */
  run(seconds: number): Promise<ClientRun>;
  stop(): Promise<void>;
}

/**
 * Starts a `grpc-js` or `switchboard` client (`switchboard-adaptive`: with
 * `concurrencyLimit: 'adaptive'`) of `addresses` with `concurrency` calls in flight in a
 * child process, warmed up, on the first CPU where it can.
 */
export async function spawnClient(
  kind: 'grpc-js' | 'switchboard' | 'switchboard-adaptive',
  addresses: readonly string[],
  concurrency: number,
): Promise<ClientProcess> {
  const { ask, stop } = await spawnScript(
    './overhead-client.ts',
    [kind, JSON.stringify(addresses), String(concurrency)],
    'first',
  );
  return { run: async (seconds) => JSON.parse(await ask(`run ${seconds}`)) as ClientRun, stop };
}

/**
 * Runs a `grpc-js` or `switchboard` client over `addresses` in a child process of its own
 * (bench/many-endpoints-client.ts), on the first CPU where it can, and returns what it measured.
 */
export async function runEndpointsClient(
  kind: 'grpc-js' | 'switchboard',
  addressFile: string,
  idleSeconds: number,
  loadSeconds: number,
): Promise<EndpointsRun> {
  const { first, stop } = await spawnScript(
    './many-endpoints-client.ts',
    [kind, addressFile, String(idleSeconds), String(loadSeconds)],
    'first',
    ['--expose-gc'],
  );
  await stop();
  return first as EndpointsRun;
}
