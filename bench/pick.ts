/**
 * pick() cost of each balancer at 10, 1,000 and 10,000 endpoints (docs/design.md, quality bars: < 1 µs at
 * 10,000). Run: `npx tsx bench/pick.ts`. Endpoints are plain objects (the balancer layer
 * knows nothing of grpc-js), except the row that reads latency through the client's EWMA getters as
 * the client's endpoints do. There is no grpc-js counterpart to a pick; the baseline row is
 * a bare array rotation, the floor any balancer pays.
 */
import type { Balancer, Endpoint, PickContext } from '../src/balancer/balancer.js';
import { consistentHash } from '../src/balancer/consistent-hash.js';
import { leastLoad } from '../src/balancer/least-load.js';
import { random } from '../src/balancer/random.js';
import { roundRobin } from '../src/balancer/round-robin.js';
import { route } from '../src/balancer/route.js';
import { weighted } from '../src/balancer/weighted.js';
import { zoneAware } from '../src/balancer/zone-aware.js';
import { floorEwma, peakEwma } from '../src/load/decaying-ewma.js';
import { seededRandom } from '../src/common/seeded-random.js';

const SIZES = [10, 1_000, 10_000];
const WARMUP = 200_000;
const PICKS = 1_000_000;

function plainEndpoints(n: number): Endpoint[] {
  const rng = seededRandom(n);
  return Array.from({ length: n }, (_, i) => ({
    id: `node-${i}`,
    address: `127.0.${i >> 8}.${i & 255}:50051`,
    weight: 1 + Math.floor(rng() * 10) / 2,
    zone: i % 3 === 0 ? 'eu-1' : 'eu-2',
    labels: { version: i % 20 === 0 ? 'v2' : 'v1' },
    inFlight: Math.floor(rng() * 8),
    ewmaLatencyMs: 1 + rng() * 20,
    load: undefined,
  }));
}

/** An endpoint whose latency and service time are read through prototype getters, as a client class would. */
class EwmaEndpoint implements Endpoint {
  readonly id: string;
  readonly address: string;
  readonly weight: number;
  readonly zone = '';
  readonly labels = {};
  readonly inFlight: number;
  readonly load = undefined;
  readonly #ewma = peakEwma();
  readonly #perCall = floorEwma();

  constructor(plain: Endpoint) {
    this.id = plain.id;
    this.address = plain.address;
    this.weight = plain.weight;
    this.inFlight = plain.inFlight;
    this.#ewma.observe(plain.ewmaLatencyMs);
    this.#perCall.observe(plain.ewmaLatencyMs / (plain.inFlight + 1));
  }
  get ewmaLatencyMs(): number {
    return this.#ewma.value;
  }
  get serviceTimeMs(): number {
    return this.#perCall.value;
  }
}

/** Endpoints with fresh load reports (in-flight, utilization, qps). */
function reportingEndpoints(n: number): Endpoint[] {
  const rng = seededRandom(n + 1);
  const receivedAt = performance.now() + 3_600_000;
  return plainEndpoints(n).map((e) => ({
    ...e,
    load: {
      utilization: rng(),
      inFlight: Math.floor(rng() * 16),
      qps: 100 + rng() * 900,
      eps: 0,
      named: {},
      receivedAt,
      ownInFlight: 0,
    },
  }));
}

function ewmaEndpoints(n: number): Endpoint[] {
  return plainEndpoints(n).map((e) => new EwmaEndpoint(e));
}

const baseline = (): Balancer => {
  let endpoints: readonly Endpoint[] = [];
  let next = 0;
  return {
    name: 'baseline',
    update(list) {
      endpoints = list.slice();
    },
    pick() {
      next = next + 1 === endpoints.length ? 0 : next + 1;
      return endpoints[next];
    },
  };
};

interface Row {
  readonly label: string;
  readonly make: () => Balancer;
  readonly endpoints: (n: number) => Endpoint[];
  readonly retry?: boolean;
  /** Calls carry a routing key (a different one each pick, from a fixed pool). */
  readonly keyed?: boolean;
}

const canary = () =>
  route({
    subsets: { stable: { labels: { version: 'v1' } }, canary: { labels: { version: 'v2' } } },
    rules: [{ when: { metadata: { 'x-canary': '1' } }, to: 'canary' }, { to: { stable: 95, canary: 5 } }],
    random: seededRandom(1),
  });

const rows: Row[] = [
  { label: 'baseline (array rotation)', make: baseline, endpoints: plainEndpoints },
  { label: 'roundRobin', make: () => roundRobin({ random: seededRandom(1) }), endpoints: plainEndpoints },
  { label: 'weighted', make: () => weighted({ random: seededRandom(1) }), endpoints: plainEndpoints },
  {
    label: 'weighted({ dynamic })',
    make: () => weighted({ random: seededRandom(1), dynamic: true }),
    endpoints: reportingEndpoints,
  },
  { label: 'leastLoad', make: () => leastLoad({ random: seededRandom(1) }), endpoints: plainEndpoints },
  {
    label: 'leastLoad (load reports)',
    make: () => leastLoad({ random: seededRandom(1) }),
    endpoints: reportingEndpoints,
  },
  { label: 'leastLoad (EWMA getters)', make: () => leastLoad({ random: seededRandom(1) }), endpoints: ewmaEndpoints },
  { label: 'random', make: () => random({ random: seededRandom(1) }), endpoints: plainEndpoints },
  { label: 'consistentHash ring', make: () => consistentHash(), endpoints: plainEndpoints, keyed: true },
  {
    label: 'consistentHash maglev',
    make: () => consistentHash({ algorithm: 'maglev', tableSize: 1_000_003 }),
    endpoints: plainEndpoints,
    keyed: true,
  },
  {
    label: 'zoneAware(leastLoad)',
    make: () => zoneAware(() => leastLoad({ random: seededRandom(1) }), { zone: 'eu-1', random: seededRandom(2) }),
    endpoints: plainEndpoints,
  },
  { label: 'route (header rule, 95/5 split)', make: canary, endpoints: plainEndpoints },
  {
    label: 'roundRobin, retry',
    make: () => roundRobin({ random: seededRandom(1) }),
    endpoints: plainEndpoints,
    retry: true,
  },
  {
    label: 'weighted, retry',
    make: () => weighted({ random: seededRandom(1) }),
    endpoints: plainEndpoints,
    retry: true,
  },
  {
    label: 'leastLoad, retry',
    make: () => leastLoad({ random: seededRandom(1) }),
    endpoints: plainEndpoints,
    retry: true,
  },
  {
    label: 'consistentHash ring, retry',
    make: () => consistentHash(),
    endpoints: plainEndpoints,
    keyed: true,
    retry: true,
  },
];

/** Routing keys of the keyed rows, made before timing so that no pick builds a string. */
const KEYS = Array.from({ length: 4096 }, (_, i) => `user-${i}`);

let sink = 0;

function nsPerPick(row: Row, n: number): number {
  const endpoints = row.endpoints(n);
  const balancer = row.make();
  balancer.update(endpoints);
  const call: { -readonly [K in keyof PickContext]: PickContext[K] } = {
    path: '/bench.Svc/Call',
    metadata: {},
    key: undefined,
    attempt: row.retry ? 2 : 1,
    tried: [],
  };
  if (row.retry) {
    // A retry after a call to the endpoint the first attempt takes: the picker must look past it.
    call.key = row.keyed ? KEYS[0] : undefined;
    call.tried = [balancer.pick(call)!];
  }
  for (let i = 0; i < WARMUP; i++) {
    if (row.keyed && !row.retry) call.key = KEYS[i & 4095];
    sink += balancer.pick(call)!.weight;
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < PICKS; i++) {
    if (row.keyed && !row.retry) call.key = KEYS[i & 4095];
    sink += balancer.pick(call)!.weight;
  }
  return Number(process.hrtime.bigint() - start) / PICKS;
}

/** The table of ns per pick, balancer by balancer, at each size. */
export function runPick(): string {
  const header = ['balancer', ...SIZES.map((n) => `n=${n.toLocaleString('en')}`)];
  const table = rows.map((row) => [row.label, ...SIZES.map((n) => `${nsPerPick(row, n).toFixed(1)} ns`)]);
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...table.map(line)];
  if (sink === 0) out.push('(unreachable: keeps the picks observable)');
  return out.join('\n');
}

export const PICK_TITLE =
  `pick() cost, ${PICKS.toLocaleString('en')} picks after ${WARMUP.toLocaleString('en')} warm-up ` +
  '(target < 1000 ns at 10,000)';

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`${PICK_TITLE}\n`);
  console.log(runPick());
}
