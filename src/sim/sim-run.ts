/**
 * One simulation run of one balancer: every client's calls through its balancer to the
 * modelled nodes, on the virtual clock, phase after phase (a warm-up, then the
 * measurement), each phase ended by draining the calls in flight, as the real closed-loop
 * benchmark does between its warm-up and its run.
 *
 * A call costs at most three events: its end at the node (the node's queue position is
 * fixed on arrival, `sim-node.ts`), its answer back at the client after the overhead (and
 * any stall of the client's process), and, open loop, the client's next arrival. Calls are
 * pooled objects that are their own events.
 */
import { seededRandom } from '../common/seeded-random.js';
import { LatencyHistogram } from '../observability/latency-histogram.js';
import { EventQueue, type SimEvent } from './event-queue.js';
import { HerdCounter, type Herding } from './herd-counter.js';
import type { Scenario } from './scenario.js';
import type { SimClient } from './sim-client.js';
import type { SimEndpoint } from './sim-endpoint.js';
import type { NodeReport, SimNode } from './sim-node.js';

const OK = 0;
const UNAVAILABLE = 14;
/** A client whose balancer has no endpoint tries again this much later, ms. */
const NO_ENDPOINT_RETRY_MS = 1;
/** The run yields to the event loop (and reports progress) every this many events. */
const EVENTS_PER_SLICE = 1 << 16;

const AT_NODE = 0;
const AT_CLIENT = 1;
const ARRIVAL = 2;
const JOIN = 3;

/** A call in flight, an open-loop arrival, or a join (all events of the run). */
class Pending implements SimEvent, NodeReport {
  at = 0;
  seq = 0;
  kind = AT_NODE;
  client!: SimClient;
  endpoint: SimEndpoint | undefined;
  sentAt = 0;
  depth = 1;
  serviceMs = 0;
  failed = false;
  measured = false;
  end = 0;
  utilization = 0;
  inFlight = 0;
  qps = 0;
  eps = 0;
}

/** What one run measured. */
export interface RunResult {
  readonly calls: number;
  readonly failed: number;
  readonly elapsedMs: number;
  readonly latency: LatencyHistogram;
  /** Calls each node ended during the measurement. */
  readonly perNode: Float64Array;
  readonly herding: Herding;
  readonly events: number;
}

/** How a run makes its pieces: nodes and clients are built per run, so runs do not share state. */
export interface RunSetup {
  readonly scenario: Scenario;
  /** Node ids per client (its subset). */
  readonly subsets: readonly (readonly number[])[];
  readonly makeNodes: (random: () => number) => SimNode[];
  readonly makeClient: (index: number, nodes: readonly SimNode[], clock: () => number) => SimClient;
  /** Called every slice with the virtual time reached in the run. */
  readonly onProgress?: (virtualMs: number) => void;
}

/** Runs `setup` once (see the file's opening comment). */
export async function runOnce(setup: RunSetup): Promise<RunResult> {
  const { scenario } = setup;
  const seed = scenario.seed ?? 1;
  const queue = new EventQueue<Pending>();
  const nodes = setup.makeNodes(seededRandom(seed));
  const clients = setup.subsets.map((_, i) => setup.makeClient(i, nodes, queue.clock));
  const overhead = scenario.overheadMs ?? 0;
  const overheadRandom = seededRandom(seed + 0x5eed);
  const overheadMs =
    typeof overhead === 'number' ? () => overhead : () => overhead[Math.floor(overheadRandom() * overhead.length)]!;
  const reports = scenario.reports;
  const intervalMs = reports?.intervalMs ?? 200;
  const staleMs = reports?.staleMs ?? 0;
  const clientsMode = scenario.clients;
  const concurrency = clientsMode.mode === 'closed' ? clientsMode.concurrency : 0;
  const meanGapMs = clientsMode.mode === 'open' ? 1000 / clientsMode.ratePerSecond : 0;
  const pool: Pending[] = [];
  const admitted = { end: 0, serviceMs: 0 };
  const latency = new LatencyHistogram();
  const perNode = new Float64Array(nodes.length);
  let herd = new HerdCounter(0);
  let measuring = false;
  let phaseEnd = 0;
  let inFlight = 0;
  let calls = 0;
  let failed = 0;
  let events = 0;

  const take = (): Pending => pool.pop() ?? new Pending();
  for (const client of clients) client.admitJoined(0);
  for (const at of new Set(nodes.map((n) => n.joinAtMs).filter((t) => t > 0))) {
    const join = take();
    join.kind = JOIN;
    queue.push(join, at);
  }

  const send = (client: SimClient, now: number): void => {
    const call = take();
    call.client = client;
    call.sentAt = now;
    call.measured = measuring;
    inFlight++;
    const endpoint = client.pick();
    call.endpoint = endpoint;
    if (endpoint === undefined) {
      call.failed = true;
      call.kind = AT_CLIENT;
      queue.push(call, now + NO_ENDPOINT_RETRY_MS);
      return;
    }
    const node = endpoint.node;
    call.depth = endpoint.estimates.begin(endpoint.load, now);
    node.admit(now, admitted);
    if (measuring) herd.arrival(node.index, endpoint, now);
    // A reporting node says which queue the call joined; the client's guess stands otherwise.
    if (reports !== undefined) call.depth = node.inFlight;
    call.failed = admitted.end < 0;
    call.serviceMs = admitted.serviceMs;
    call.kind = AT_NODE;
    queue.push(call, call.failed ? now : admitted.end);
  };

  const answered = (call: Pending, now: number): void => {
    const { client, endpoint } = call;
    inFlight--;
    if (endpoint !== undefined) {
      if (reports !== undefined) endpoint.takeReport(call, now);
      const latencyMs = now - call.sentAt;
      endpoint.estimates.end(!call.failed, latencyMs, now, call.depth);
      client.callEnded(endpoint, call.failed ? UNAVAILABLE : OK, latencyMs);
    }
    if (call.measured) {
      calls++;
      if (call.failed) failed++;
      else latency.record(now - call.sentAt);
      if (endpoint !== undefined) perNode[endpoint.node.index]!++;
    }
    call.endpoint = undefined;
    pool.push(call);
    if (concurrency > 0 && now < phaseEnd) send(client, now);
  };

  const arrive = (arrival: Pending, now: number): void => {
    if (now >= phaseEnd) {
      inFlight--;
      pool.push(arrival);
      return;
    }
    send(arrival.client, now);
    queue.push(arrival, now - meanGapMs * Math.log(1 - arrival.client.random()));
  };

  const startPhase = (now: number, ms: number): void => {
    phaseEnd = now + ms;
    for (const client of clients) {
      if (concurrency > 0) {
        for (let k = 0; k < concurrency; k++) send(client, now);
        continue;
      }
      const arrival = take();
      arrival.kind = ARRIVAL;
      arrival.client = client;
      inFlight++;
      queue.push(arrival, now - meanGapMs * Math.log(1 - client.random()));
    }
  };

  const phases = [
    ...((scenario.warmupMs ?? 0) > 0 ? [{ ms: scenario.warmupMs!, measured: false }] : []),
    { ms: scenario.durationMs, measured: true },
  ];
  let measuredFrom = 0;
  let measuredTo = 0;
  for (const phase of phases) {
    measuring = phase.measured;
    const now = queue.now;
    if (measuring) {
      herd = new HerdCounter(nodes.length);
      measuredFrom = now;
      const stalls = scenario.clientStalls;
      if (stalls !== undefined && 'replayMs' in stalls) {
        const pairs = unionOf(stalls.replayMs, now);
        for (const client of clients) client.stallDuring(pairs);
      }
    }
    startPhase(now, phase.ms);
    while (inFlight > 0) {
      const event = queue.pop()!;
      const t = event.at;
      events++;
      if ((events & (EVENTS_PER_SLICE - 1)) === 0) {
        setup.onProgress?.(t);
        await new Promise((resolve) => setImmediate(resolve));
      }
      switch (event.kind) {
        case AT_NODE: {
          const node = event.endpoint!.node;
          node.finish(t, event.serviceMs, event.failed);
          if (reports !== undefined) node.report(t, intervalMs, staleMs, event);
          event.kind = AT_CLIENT;
          const at = event.client.takenAt(t + overheadMs());
          if (at > t) queue.push(event, at);
          else answered(event, t);
          break;
        }
        case AT_CLIENT:
          answered(event, t);
          break;
        case ARRIVAL:
          arrive(event, t);
          break;
        default:
          for (const client of clients) client.admitJoined(t);
          pool.push(event);
      }
    }
    measuredTo = queue.now;
  }
  // A closed loop's rate counts its drain, as the real loop does; an open loop's is its arrival period.
  const elapsedMs = concurrency > 0 ? measuredTo - measuredFrom : scenario.durationMs;
  return { calls, failed, elapsedMs, latency, perNode, herding: herd.result(elapsedMs), events };
}

/** The stalls `[start, length]` from `origin` as ordered, disjoint [start, end) pairs. */
function unionOf(stalls: readonly (readonly [number, number])[], origin: number): Float64Array {
  const pairs: number[] = [];
  for (const [at, ms] of [...stalls].sort((a, b) => a[0] - b[0])) {
    const last = pairs.length - 1;
    if (last > 0 && origin + at <= pairs[last]!) pairs[last] = Math.max(pairs[last]!, origin + at + ms);
    else pairs.push(origin + at, origin + at + ms);
  }
  return Float64Array.from(pairs);
}
