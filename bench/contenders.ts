/**
 * The clients the load-aware benchmarks compare, each driving the same single-worker nodes
 * (bench/worker-nodes.ts): grpc-js' own policies, a join-the-shortest-queue client, nginx
 * `least_conn` in front, and Switchboard's balancers — on plain grpc-js nodes (client-side
 * signals only), on Switchboard nodes with their per-call load reports, and on the same
 * Switchboard nodes with reports off (what the reports bring, the server code being equal).
 */
import {
  type Balancer,
  balancers,
  type ClientOptions,
  createClient,
  type EndpointInput,
  seededRandom,
} from 'switchboard';
import { plainGreeterClient } from '../src/cli/grpc-js-baseline.js';
import { Greeter } from '../src/gen/demo/greeter.js';
import { nginxInstalled, startNginx } from './nginx-proxy.js';
import type { WorkerNodesProcess } from './spawn-nodes.js';

const DEADLINE_MS = 5000;

/** A running client: one call resolves to the id of the node that served it. */
export interface Driver {
  call(): Promise<string>;
  close(): Promise<void>;
}

export interface Contender {
  readonly name: string;
  /** Which nodes it drives: plain grpc-js, Switchboard, or Switchboard without load reports. */
  readonly nodes: 'plain' | 'switchboard' | 'quiet';
  /** A peer Switchboard is measured against (not Switchboard itself, not a reference). */
  readonly peer?: boolean;
  start(nodes: WorkerNodesProcess): Promise<Driver>;
}

/** A short A58 configuration, the same for grpc-js and Switchboard, so both learn within the warm-up. */
export const A58 = { blackoutPeriodMs: 1000, weightUpdatePeriodMs: 200 };

function grpcJs(policy: string, config: object = {}): Contender['start'] {
  return (nodes) => grpcJsDriver(nodes.plain, policy, config);
}

/** A plain grpc-js client of `addresses` with one of grpc-js' policies. */
export async function grpcJsDriver(addresses: readonly string[], policy: string, config: object = {}): Promise<Driver> {
  const client = plainGreeterClient(addresses, policy, config);
  await client.sayHello('warm-up', DEADLINE_MS);
  return {
    call: async () => (await client.sayHello('bench', DEADLINE_MS)).nodeId,
    close: async () => client.close(),
  };
}

const jsq: Contender['start'] = (nodes) => jsqDriver(nodes.plain);

/** Join the shortest queue: one grpc-js client per node, each call to the one with fewest calls in flight. */
export async function jsqDriver(addresses: readonly string[]): Promise<Driver> {
  const random = seededRandom(1);
  const clients = addresses.map((address) => ({ client: plainGreeterClient([address], 'pick_first'), inFlight: 0 }));
  await Promise.all(clients.map((c) => c.client.sayHello('warm-up', DEADLINE_MS)));
  return {
    call: async () => {
      let best = clients[Math.floor(random() * clients.length)]!;
      for (const c of clients) if (c.inFlight < best.inFlight) best = c;
      best.inFlight++;
      try {
        return (await best.client.sayHello('bench', DEADLINE_MS)).nodeId;
      } finally {
        best.inFlight--;
      }
    },
    close: async () => {
      for (const c of clients) c.client.close();
    },
  };
}

const nginx: Contender['start'] = async (nodes) => {
  const proxy = await startNginx(nodes.plain, 'least_conn;');
  const client = plainGreeterClient([proxy.address], 'pick_first');
  await client.sayHello('warm-up', DEADLINE_MS);
  return {
    call: async () => (await client.sayHello('bench', DEADLINE_MS)).nodeId,
    close: async () => {
      client.close();
      await proxy.stop();
    },
  };
};

/** A Switchboard client over the plain or the Switchboard nodes. */
function switchboardOn(
  which: Contender['nodes'],
  balancer: () => Balancer,
  endpoints?: (addresses: string[]) => EndpointInput[],
  options: Partial<ClientOptions<typeof Greeter>> = {},
): Contender['start'] {
  return async (nodes) => {
    const addresses = nodes[which];
    const client = createClient(Greeter, {
      endpoints: endpoints?.(addresses) ?? addresses,
      balancer: balancer(),
      deadlineMs: DEADLINE_MS,
      ...options,
    });
    await client.ready({ all: true });
    return { call: async () => (await client.sayHello({ name: 'bench' })).nodeId, close: () => client.close() };
  };
}

/** Every contender; nginx only when it is installed. */
export function contenders(): Contender[] {
  const list: (Contender | undefined)[] = [
    { name: 'grpc-js round_robin', nodes: 'plain', peer: false, start: grpcJs('round_robin') },
    {
      name: 'grpc-js weighted_round_robin (ORCA OOB)',
      nodes: 'plain',
      peer: true,
      start: grpcJs('weighted_round_robin', {
        enable_oob_load_report: true,
        oob_load_reporting_period: '0.2s',
        blackout_period: `${A58.blackoutPeriodMs / 1000}s`,
        weight_update_period: `${A58.weightUpdatePeriodMs / 1000}s`,
      }),
    },
    { name: 'JSQ (least in-flight, grpc-js)', nodes: 'plain', peer: true, start: jsq },
    nginxInstalled() ? { name: 'nginx least_conn proxy', nodes: 'plain', peer: true, start: nginx } : undefined,
    {
      name: 'roundRobin()',
      nodes: 'plain',
      start: switchboardOn('plain', () => balancers.roundRobin({ random: seededRandom(2) })),
    },
    {
      name: 'leastLoad()',
      nodes: 'plain',
      start: switchboardOn('plain', () => balancers.leastLoad({ random: seededRandom(3) })),
    },
    {
      name: "leastLoad() + concurrencyLimit: 'adaptive'",
      nodes: 'plain',
      start: switchboardOn('plain', () => balancers.leastLoad({ random: seededRandom(3) }), undefined, {
        concurrencyLimit: 'adaptive',
      }),
    },
    {
      name: 'leastLoad(), no reports',
      nodes: 'quiet',
      start: switchboardOn('quiet', () => balancers.leastLoad({ random: seededRandom(4) })),
    },
    {
      name: 'leastLoad() + reports',
      nodes: 'switchboard',
      start: switchboardOn('switchboard', () => balancers.leastLoad({ random: seededRandom(4) })),
    },
    {
      name: 'weighted({ dynamic }) + reports',
      nodes: 'switchboard',
      start: switchboardOn('switchboard', () => balancers.weighted({ random: seededRandom(5), dynamic: A58 })),
    },
  ];
  return list.filter((c): c is Contender => c !== undefined);
}

/** Static weights ∝ capacity (an oracle the others do not have): the reference for the tail. */
export function oracle(serviceMs: readonly number[]): Contender {
  const slowest = Math.max(...serviceMs);
  return {
    name: `weighted() static ${serviceMs.map((ms) => Math.round(slowest / ms)).join(':')} (oracle)`,
    nodes: 'plain',
    start: switchboardOn(
      'plain',
      () => balancers.weighted({ random: seededRandom(6) }),
      (addresses) => addresses.map((address, i) => ({ address, weight: slowest / serviceMs[i]! })),
    ),
  };
}
