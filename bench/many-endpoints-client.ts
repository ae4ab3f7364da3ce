/**
 * Child process for bench/many-endpoints.ts: one client of one kind over many endpoints,
 * alone in its process so that its CPU and memory are the process's. It connects and waits
 * until every endpoint is READY, then measures: CPU spent idle (in the first seconds after
 * ready, and from 12 s after ready, when connection start-up is over), memory after a full GC,
 * and calls/s of a closed loop. Prints one JSON line (`EndpointsRun`) and waits for stdin
 * to close.
 *
 * Readiness of plain grpc-js is its `round_robin`'s subchannels becoming READY, noted as it
 * happens (CountingRoundRobin). Switchboard's is `client.ready({ all: true })`.
 *
 * Usage: `node --expose-gc --import tsx bench/many-endpoints-client.ts grpc-js|switchboard <addresses.json>
 * <idle seconds> <load seconds>`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { createClient } from 'switchboard';
import { plainGreeter } from '../src/cli/grpc-js-baseline.js';
import { runClosedLoop } from '../src/cli/load-loop.js';
import { Greeter } from '../src/gen/demo/greeter.js';

/** What one client process measured. */
export interface EndpointsRun {
  /** From creating the client until every endpoint is READY, ms. */
  readonly readyMs: number;
  /** Main-thread CPU time per second while idle, in the first seconds after ready, ms (median of 1 s windows). */
  readonly firstIdleCpuMs: number;
  /** Main-thread CPU time per second while idle, from 12 s after ready, ms (median of 1 s windows). */
  readonly idleCpuMs: number;
  /** Resident set size after a full GC, MB. */
  readonly rssMb: number;
  /** V8 heap in use after a full GC, MB. */
  readonly heapMb: number;
  readonly rps: number;
  readonly failed: number;
}

const NAME = 'x'.repeat(64);
const DEADLINE_MS = 10_000;
const CONCURRENCY = 64;
const READY_TIMEOUT_MS = 120_000;
/** When connection start-up is over: past the first keepalive timer (10 s) of the last connection. */
const SETTLED_MS = 12_000;
/** This thread's scheduler statistics: time on CPU (ns), first. */
const SCHEDSTAT = '/proc/thread-self/schedstat';

const [kind, file, idleArg, loadArg] = process.argv.slice(2);
const addresses = JSON.parse(readFileSync(file!, 'utf8')) as string[];
const idleSeconds = Number(idleArg);
const loadSeconds = Number(loadArg);

type Call = (request: object, options: grpc.CallOptions, callback: (error: unknown, reply: unknown) => void) => void;

/** Addresses whose subchannel has been READY, of plain grpc-js' `round_robin` (see CountingRoundRobin). */
const everReady = new Set<string>();
let allReady: () => void = () => {};

/**
 * grpc-js' `round_robin` itself, as a child, with a control helper that notes each
 * subchannel it creates becoming READY: plain grpc-js' time to ready, read when it happens.
 * (Polling channelz every 100 ms, as before, was up to 100 ms late, and its 1,000 calls per
 * poll took the client's CPU from the connections: grpc-js looked ~30% slower than it is.)
 */
class CountingRoundRobin implements grpc.experimental.LoadBalancer {
  private readonly child: grpc.experimental.ChildLoadBalancerHandler;
  private readonly config = grpc.experimental.parseLoadBalancingConfig({ round_robin: {} });

  constructor(helper: grpc.experimental.ChannelControlHelper) {
    this.child = new grpc.experimental.ChildLoadBalancerHandler(
      grpc.experimental.createChildChannelControlHelper(helper, {
        createSubchannel: (address, args) => {
          const subchannel = helper.createSubchannel(address, args);
          subchannel.addConnectivityStateListener((_s, _from, next) => {
            if (next !== grpc.connectivityState.READY) return;
            everReady.add(grpc.experimental.subchannelAddressToString(address));
            if (everReady.size === addresses.length) allReady();
          });
          return subchannel;
        },
      }),
    );
  }

  updateAddressList(...[endpoints, , options, note]: Parameters<grpc.experimental.LoadBalancer['updateAddressList']>) {
    return this.child.updateAddressList(endpoints, this.config, options, note);
  }

  exitIdle(): void {
    this.child.exitIdle();
  }

  resetBackoff(): void {
    this.child.resetBackoff();
  }

  destroy(): void {
    this.child.destroy();
  }

  getTypeName(): string {
    return COUNTING;
  }
}

const COUNTING = 'counting_round_robin';

class CountingRoundRobinConfig implements grpc.experimental.TypedLoadBalancingConfig {
  static createFromJson(): CountingRoundRobinConfig {
    return new CountingRoundRobinConfig();
  }

  getLoadBalancerName(): string {
    return COUNTING;
  }

  toJsonObject(): object {
    return { [COUNTING]: {} };
  }
}

/** A plain grpc-js `round_robin` client; resolves once every subchannel has been READY. */
async function plainClient(): Promise<{ call: () => Promise<string>; close: () => void }> {
  grpc.experimental.registerLoadBalancerType(COUNTING, CountingRoundRobin, CountingRoundRobinConfig);
  const Client = plainGreeter();
  const client = new Client(`ipv4:${addresses.join(',')}`, grpc.credentials.createInsecure(), {
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ [COUNTING]: {} }] }),
  });
  const ready = new Promise<void>((resolve) => {
    allReady = resolve;
  });
  client.getChannel().getConnectivityState(true);
  // A timer that holds the process open too: grpc-js' connections do not.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), READY_TIMEOUT_MS);
  });
  const outcome = await Promise.race([ready, timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') throw new Error(`grpc-js: not every subchannel READY after ${READY_TIMEOUT_MS} ms`);
  const sayHello = client.sayHello as Call;
  return {
    call: () =>
      new Promise((resolve, reject) =>
        sayHello.call(client, { name: NAME }, { deadline: Date.now() + DEADLINE_MS }, (error, reply) =>
          error ? reject(error) : resolve((reply as { nodeId: string }).nodeId),
        ),
      ),
    close: () => client.close(),
  };
}

async function switchboardClient(): Promise<{ call: () => Promise<string>; close: () => Promise<void> }> {
  const client = createClient(Greeter, { endpoints: addresses, deadlineMs: DEADLINE_MS });
  await client.ready({ all: true, timeoutMs: READY_TIMEOUT_MS });
  return { call: async () => (await client.sayHello({ name: NAME })).nodeId, close: () => client.close() };
}

if (kind !== 'grpc-js' && kind !== 'switchboard') {
  throw new TypeError(`many-endpoints-client: kind must be grpc-js or switchboard, got ${kind}`);
}
const exposedGc = globalThis.gc;
if (exposedGc === undefined) throw new Error('many-endpoints-client: run with --expose-gc');
const gc: () => void = exposedGc;
const started = performance.now();
const client = kind === 'grpc-js' ? await plainClient() : await switchboardClient();
const readyMs = performance.now() - started;
/**
 * CPU time of this thread so far, ms. The main thread's alone: the tsx loader runs in a
 * worker thread with a V8 heap of its own, whose memory reducer ran full GCs seconds after
 * start-up (traced with --trace-gc: 17 ms/s in one window, in either client) — not the
 * client's cost. Where /proc has no per-thread times (not Linux), the process's.
 */
function threadCpuMs(): number {
  if (existsSync(SCHEDSTAT)) return Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]) / 1e6;
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1000;
}

/**
 * CPU time per second while idle, ms: after a full GC and a second for the GC threads'
 * sweeping to finish (it would count against whichever window follows), the median of
 * `seconds` one-second windows — a one-off (a late GC, a timer of the runtime's) moves one
 * window, not the figure.
 */
async function idleCpu(seconds: number): Promise<number> {
  gc();
  await sleep(1000);
  const windows: number[] = [];
  for (let i = 0; i < Math.max(1, seconds); i++) {
    const before = threadCpuMs();
    const started = performance.now();
    await sleep(1000);
    windows.push((threadCpuMs() - before) / ((performance.now() - started) / 1000));
  }
  windows.sort((a, b) => a - b);
  return windows[Math.floor(windows.length / 2)]!;
}
const firstIdleCpuMs = await idleCpu(idleSeconds);
// Switchboard's channels arm grpc-js' 10 s keepalive timer with their first calls (node
// info, health watch); each fires once, finds no call open and stops. Steady idleness is
// measured after that.
await sleep(Math.max(0, SETTLED_MS - (performance.now() - started - readyMs)));
const idleCpuMs = await idleCpu(idleSeconds);
gc();
const memory = process.memoryUsage();
const load = await runClosedLoop({
  concurrency: CONCURRENCY,
  durationMs: loadSeconds * 1000,
  maxCalls: 2_000_000,
  call: client.call,
});
const run: EndpointsRun = {
  readyMs,
  firstIdleCpuMs,
  idleCpuMs,
  rssMb: memory.rss / 2 ** 20,
  heapMb: memory.heapUsed / 2 ** 20,
  rps: load.rps,
  failed: load.failed,
};
console.log(JSON.stringify(run));
process.stdin.resume();
process.stdin.on('end', () => void Promise.resolve(client.close()).then(() => process.exit(0)));
