// The simulator against the real loopback heterogeneous benchmark (bench/heterogeneous.ts,
// shortened: single-worker nodes at 2/2/6 ms in a child process, 32 calls in flight): for
// roundRobin, static weights 3:3:1 and leastLoad, calls/s, each node's share and the p99
// agree within 10%. What the real client adds is measured in the same run and given to the
// simulator: the delays of sequential calls beyond service time short of a stall, and the stalls of
// the client's and the node process during each balancer's measured run, replayed at the
// same offsets (they delay the answers).
// Real timings move with the machine's load, so the comparison is made on up to three real
// runs and passes on the first that agrees; each is printed.
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/sim/simulate.js';
import {
  BALANCERS,
  type Figures,
  heterogeneousScenario,
  IDS,
  realHeterogeneous,
} from '../helpers/heterogeneous-run.js';

const WARMUP_MS = 1000;
const DURATION_MS = 1500;
const ATTEMPTS = 3;

/** Where `sim` is off `real` by more than 10%: one line per figure, empty when it agrees. */
function disagreements(label: string, real: Figures, sim: Figures): string[] {
  const off = (name: string, r: number, s: number) =>
    Math.abs(s - r) > 0.1 * r ? [`${label} ${name}: real ${r.toFixed(3)}, simulated ${s.toFixed(3)}`] : [];
  return [
    ...off('calls/s', real.callsPerSecond, sim.callsPerSecond),
    ...off('p99 ms', real.p99, sim.p99),
    ...IDS.flatMap((id) => off(`share of ${id}`, real.shares[id]!, sim.shares[id]!)),
  ];
}

/** `1159/s p99 40.7 0.428/0.429/0.143` */
function figures(f: Figures): string {
  return `${f.callsPerSecond.toFixed(0)}/s p99 ${f.p99.toFixed(1)} ${IDS.map((id) => f.shares[id]!.toFixed(3)).join('/')}`;
}

describe('simulator validation', () => {
  it('reproduces the real heterogeneous benchmark within 10% on calls/s, shares and p99', async () => {
    let problems: string[] = [];
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const real = await realHeterogeneous(WARMUP_MS, DURATION_MS);
      problems = [];
      const lines: string[] = [];
      for (const balancer of BALANCERS) {
        const run = real.runs[balancer]!;
        const scenario = heterogeneousScenario(balancer, real.delayMs, run.stalls, WARMUP_MS, DURATION_MS);
        const [o] = (await simulate(scenario)).outcomes;
        const sim: Figures = { callsPerSecond: o!.callsPerSecond, p99: o!.latencyMs.p99, shares: o!.shares };
        problems.push(...disagreements(balancer, run, sim));
        lines.push(`  ${balancer} (${run.stalls.length} stalls): real ${figures(run)}, simulated ${figures(sim)}`);
      }
      console.log(
        `attempt ${attempt} (${real.delayMs.length} delay samples): ` +
          `${problems.length === 0 ? 'agrees' : problems.join('; ')}\n${lines.join('\n')}`,
      );
      if (problems.length === 0) break;
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
