// The simulator against the real loopback heterogeneous benchmark (bench/heterogeneous.ts,
// shortened: single-worker nodes at 2/2/6 ms in a child process, 32 calls in flight): for
// roundRobin, static weights 3:3:1 and leastLoad, calls/s and each node's share agree with
// the real run within 10%, and the p99 lies within 10% of what two real runs measure. What
// the real client adds is measured in the same run and given to the simulator: the delays of
// sequential calls beyond service time short of a stall, and the stalls of the client's and
// the node process during each balancer's measured run, replayed at the same offsets.
// Why two real runs for the p99: over 1.5 s the real p99 itself moves by 10–30% from one run
// to the next (CI saw 41.0 and 54.3 ms for the same balancer), so "within 10% of one run"
// would judge the real run's noise; the simulator must land where real runs land, ±10%.
// Timings move with the machine's load, so the comparison is made on up to three pairs of real
// runs and passes on the first that agrees; each is printed (in a full suite on 2 cores, other
// test files running alongside, the first two pairs both missed once in six runs).
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

const off = (r: number, s: number) => Math.abs(s - r) > 0.1 * r;

/** Where `sim` is off `real` by more than 10% on calls/s and shares, and off the real p99 range ±10%. */
function disagreements(label: string, real: Figures, sim: Figures, p99: readonly [number, number]): string[] {
  const problems: string[] = [];
  if (off(real.callsPerSecond, sim.callsPerSecond)) {
    problems.push(
      `${label} calls/s: real ${real.callsPerSecond.toFixed(1)}, simulated ${sim.callsPerSecond.toFixed(1)}`,
    );
  }
  if (sim.p99 < 0.9 * p99[0] || sim.p99 > 1.1 * p99[1]) {
    problems.push(`${label} p99 ms: real ${p99[0].toFixed(1)}–${p99[1].toFixed(1)}, simulated ${sim.p99.toFixed(1)}`);
  }
  for (const id of IDS) {
    if (off(real.shares[id]!, sim.shares[id]!)) {
      problems.push(
        `${label} share of ${id}: real ${real.shares[id]!.toFixed(3)}, simulated ${sim.shares[id]!.toFixed(3)}`,
      );
    }
  }
  return problems;
}

/** `1159/s p99 40.7 0.428/0.429/0.143` */
function figures(f: Figures): string {
  const shares = IDS.map((id) => f.shares[id]!.toFixed(3)).join('/');
  return `${f.callsPerSecond.toFixed(0)}/s p99 ${f.p99.toFixed(1)} ${shares}`;
}

describe('simulator validation', () => {
  it('reproduces the real heterogeneous runs: calls/s and shares within 10%, p99 within 10% of theirs', async () => {
    let problems: string[] = [];
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const reals = [await realHeterogeneous(WARMUP_MS, DURATION_MS), await realHeterogeneous(WARMUP_MS, DURATION_MS)];
      problems = [];
      const lines: string[] = [];
      for (const balancer of BALANCERS) {
        const p99s = reals.map((real) => real.runs[balancer]!.p99);
        const range = [Math.min(...p99s), Math.max(...p99s)] as const;
        for (const real of reals) {
          const run = real.runs[balancer]!;
          const scenario = heterogeneousScenario(balancer, real.delayMs, run.stalls, WARMUP_MS, DURATION_MS);
          const [o] = (await simulate(scenario)).outcomes;
          const sim: Figures = { callsPerSecond: o!.callsPerSecond, p99: o!.latencyMs.p99, shares: o!.shares };
          problems.push(...disagreements(balancer, run, sim, range));
          lines.push(`  ${balancer} (${run.stalls.length} stalls): real ${figures(run)}, simulated ${figures(sim)}`);
        }
      }
      console.log(`attempt ${attempt}: ${problems.length === 0 ? 'agrees' : problems.join('; ')}\n${lines.join('\n')}`);
      if (problems.length === 0) break;
    }
    expect(problems).toEqual([]);
  }, 240_000);
});
