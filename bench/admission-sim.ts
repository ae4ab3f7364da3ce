/**
 * Node admission in a discrete-event simulation: the real `ConcurrencyLimit` and `CallQueue`
 * on a virtual clock, so the queue disciplines are compared on the algorithms alone, free of
 * a loaded machine's noise. 3 single-worker nodes at 2/2/6 ms (capacity 1,167 calls/s),
 * open-loop Poisson arrivals at `levels` × capacity, 250 ms deadlines; callers pick the node
 * with the least (own calls in flight + 1) × service time (leastLoad's cost); a call the worker
 * started runs to its end, its caller gone or not. Goodput counts calls answered within their
 * deadline. Run: `npx tsx bench/admission-sim.ts [seconds] [levels]`, e.g. `npx tsx
 * bench/admission-sim.ts 10 0.5,1,2,3`. Figures: docs/decisions/0047-queue-discipline.md.
 */
import { ConcurrencyLimit } from '../src/server/concurrency-limit.js';
import { EventQueue, type SimEvent } from '../src/sim/event-queue.js';
import { seededRandom } from 'switchboard';

interface Step extends SimEvent {
  readonly run: () => void;
}
let events = new EventQueue<Step>();
let t = 0;
// The deadline check reads the wall clock: it must read the virtual one.
Date.now = () => t;
const at = (time: number, run: () => void) => events.push({ at: 0, seq: 0, run }, time);
const SERVICE = [2, 2, 6];
const CAPACITY = SERVICE.reduce((s, ms) => s + 1000 / ms, 0);
const DEADLINE = 250;

async function run(name: string, options: object | undefined, level: number, seconds: number) {
  t = 0;
  events = new EventQueue<Step>();
  const nodes = SERVICE.map((ms, i) => ({
    ms,
    freeAt: 0,
    calls: 0,
    limit: options && new ConcurrencyLimit(`node-${i}`, options, () => t),
  }));
  const random = seededRandom(11);
  const ok: number[] = [];
  const failed: number[] = [];
  const measureFrom = 1000;
  const end = measureFrom + seconds * 1000;
  const arrive = () => {
    const start = t;
    const node = nodes.reduce((a, b) => ((a.calls + 1) * a.ms <= (b.calls + 1) * b.ms ? a : b));
    node.calls++;
    const controller = new AbortController();
    const ctx = { cancelled: false, deadline: new Date(t + DEADLINE), signal: controller.signal } as never;
    let answered = false;
    const answer = (success: boolean) => {
      if (answered) return;
      answered = true;
      node.calls--;
      if (start >= measureFrom && start < end) (success ? ok : failed).push(t - start);
    };
    const handle = () => {
      node.freeAt = Math.max(t, node.freeAt) + node.ms;
      at(node.freeAt, () => {
        answer(t <= start + DEADLINE);
        node.limit?.release(ctx);
      });
    };
    at(start + DEADLINE, () => {
      if (answered) return;
      answer(false);
      (ctx as { cancelled: boolean }).cancelled = true;
      controller.abort(new Error('deadline'));
    });
    try {
      const admitted = node.limit?.admit(ctx);
      if (admitted === undefined) handle();
      else admitted.then(handle, () => answer(false));
    } catch {
      answer(false);
    }
    const next = t + -Math.log(1 - random()) * (1000 / (level * CAPACITY));
    if (next < end) at(next, arrive);
  };
  at(0, arrive);
  for (let event = events.pop(); event !== undefined; event = events.pop()) {
    t = event.at;
    event.run();
    for (let i = 0; i < 4; i++) await null;
  }
  const q = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(p * xs.length)]! : NaN);
  const goodput = ok.length / seconds;
  const refused = nodes.map((n) => n.limit?.stats().refused);
  const sum = (k: string) => refused.reduce((s, r) => s + ((r as Record<string, number> | undefined)?.[k] ?? 0), 0);
  console.log(
    `| ${name} | ${level}x | ${Math.round(goodput)}/s = ${(goodput / CAPACITY).toFixed(2)} | ` +
      `${q(ok, 0.99).toFixed(0)} ms | ` +
      `${failed.length} | ${q(failed, 0.5).toFixed(1)} ms | ` +
      `${sum('deadline')} / ${sum('codel')} / ${sum('queueFull')} |`,
  );
}

const seconds = Number(process.argv[2] ?? 10);
const levels = (process.argv[3] ?? '0.5,1,2,3').split(',').map(Number);
const configs: [string, object | undefined][] = [
  ['no limit (FIFO in the worker)', undefined],
  ['adaptive + fifo', { maxConcurrentCalls: 'adaptive', queue: { discipline: 'fifo' } }],
  ['adaptive + adaptive-lifo', { maxConcurrentCalls: 'adaptive', queue: { discipline: 'adaptive-lifo' } }],
  ['adaptive + codel', { maxConcurrentCalls: 'adaptive', queue: { discipline: 'codel' } }],
];
console.log(
  '| node admission | offered | goodput | p99 of successes | failed | median failure | ' +
    'refused: deadline / codel / full |',
);
console.log('|---|---|---|---|---|---|---|');
for (const level of levels) for (const [name, options] of configs) await run(name, options, level, seconds);
