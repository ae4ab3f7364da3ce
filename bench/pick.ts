/**
 * pick() cost of each balancer at 10, 1,000 and 10,000 endpoints (DESIGN §10: < 1 µs at
 * 10,000). Run: `npx tsx bench/pick.ts`. Endpoints are plain objects (the balancer layer
 * knows nothing of grpc-js), except the row that reads latency through PeakEwma getters as
 * the client's endpoints do. There is no grpc-js counterpart to a pick; the baseline row is
 * a bare array rotation, the floor any balancer pays.
 */
import type { Balancer, Endpoint, PickContext } from '../src/balancer/balancer.js';
import { leastLoad } from '../src/balancer/least-load.js';
import { roundRobin } from '../src/balancer/round-robin.js';
import { weighted } from '../src/balancer/weighted.js';
import { PeakEwma } from '../src/client/peak-ewma.js';
import { seededRandom } from '../src/common/seeded-random.js';

const SIZES = [10, 1_000, 10_000];
const WARMUP = 200_000;
const PICKS = 1_000_000;

function plainEndpoints(n: number): Endpoint[] {
  const random = seededRandom(n);
  return Array.from({ length: n }, (_, i) => ({
    id: `node-${i}`,
    address: `127.0.${i >> 8}.${i & 255}:50051`,
    weight: 1 + Math.floor(random() * 10) / 2,
    zone: '',
    labels: {},
    inFlight: Math.floor(random() * 8),
    ewmaLatencyMs: 1 + random() * 20,
    load: undefined,
  }));
}

/** An endpoint whose latency is read through a prototype getter, as a client class would. */
class EwmaEndpoint implements Endpoint {
  readonly id: string;
  readonly address: string;
  readonly weight: number;
  readonly zone = '';
  readonly labels = {};
  readonly inFlight: number;
  readonly load = undefined;
  readonly #ewma = new PeakEwma();

  constructor(plain: Endpoint) {
    this.id = plain.id;
    this.address = plain.address;
    this.weight = plain.weight;
    this.inFlight = plain.inFlight;
    this.#ewma.observe(plain.ewmaLatencyMs);
  }
  get ewmaLatencyMs(): number {
    return this.#ewma.value;
  }
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
}

const rows: Row[] = [
  { label: 'baseline (array rotation)', make: baseline, endpoints: plainEndpoints },
  { label: 'roundRobin', make: () => roundRobin({ random: seededRandom(1) }), endpoints: plainEndpoints },
  { label: 'weighted', make: () => weighted({ random: seededRandom(1) }), endpoints: plainEndpoints },
  { label: 'leastLoad', make: () => leastLoad({ random: seededRandom(1) }), endpoints: plainEndpoints },
  { label: 'leastLoad (PeakEwma getters)', make: () => leastLoad({ random: seededRandom(1) }), endpoints: ewmaEndpoints },
  { label: 'roundRobin, retry', make: () => roundRobin({ random: seededRandom(1) }), endpoints: plainEndpoints, retry: true },
  { label: 'weighted, retry', make: () => weighted({ random: seededRandom(1) }), endpoints: plainEndpoints, retry: true },
  { label: 'leastLoad, retry', make: () => leastLoad({ random: seededRandom(1) }), endpoints: plainEndpoints, retry: true },
];

let sink = 0;

function nsPerPick(row: Row, n: number): number {
  const endpoints = row.endpoints(n);
  const balancer = row.make();
  balancer.update(endpoints);
  const call: PickContext = {
    path: '/bench.Svc/Call',
    metadata: {},
    key: undefined,
    attempt: row.retry ? 2 : 1,
    // A retry after a call to one of the endpoints: the picker must look past it.
    tried: row.retry ? [endpoints[0]!] : [],
  };
  for (let i = 0; i < WARMUP; i++) sink += balancer.pick(call)!.weight;
  const start = process.hrtime.bigint();
  for (let i = 0; i < PICKS; i++) sink += balancer.pick(call)!.weight;
  return Number(process.hrtime.bigint() - start) / PICKS;
}

const header = ['balancer', ...SIZES.map((n) => `n=${n.toLocaleString('en')}`)];
const table = rows.map((row) => [row.label, ...SIZES.map((n) => `${nsPerPick(row, n).toFixed(1)} ns`)]);
const widths = header.map((h, c) => Math.max(h.length, ...table.map((r) => r[c]!.length)));
const line = (cells: string[]) =>
  cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');

console.log(`pick() cost, ${PICKS.toLocaleString('en')} picks after ${WARMUP.toLocaleString('en')} warm-up (target < 1000 ns at 10,000)\n`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of table) console.log(line(r));
if (sink === 0) console.log('(unreachable: keeps the picks observable)');
