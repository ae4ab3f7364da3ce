import { readFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { Scenario } from '../sim/scenario.js';
import { simulationScenarios } from '../sim/scenarios.js';
import { type SimulationResult, simulate } from '../sim/simulate.js';
import { CliError, positiveOption, runCommand } from './rpc-target.js';
import { formatTable } from './table.js';

interface SimulateCommandOptions {
  readonly balancer?: string;
  readonly duration?: string;
  readonly seed?: string;
  readonly stale?: string;
  readonly json?: boolean;
}

/**
 * `switchboard simulate <scenario> [--balancer a,b] [--duration s] [--seed n] [--stale ms,...]`:
 * runs the real balancers against modelled nodes and clients on a virtual clock
 * (`src/sim/`), with a progress bar, and prints one row per balancer (and staleness).
 */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('run the real balancers against modelled nodes and clients on a virtual clock')
    .argument('<scenario>', `a built-in scenario (${Object.keys(simulationScenarios).join(', ')}) or a JSON file`)
    .option('--balancer <names>', "balancers to compare, a comma list (default: the scenario's)")
    .option('--duration <s>', "measured seconds of virtual time (default: the scenario's)")
    .option('--seed <n>', "seed of every random choice (default: the scenario's)")
    .option('--stale <ms>', 'load reports this stale, a comma list run one after another (turns reports on)')
    .option('--json', 'print the results as JSON instead of a table')
    .action((name: string, options: SimulateCommandOptions) =>
      runCommand('simulate', async () => {
        const base = withOptions(scenarioNamed(name), options);
        const stales =
          options.stale === undefined
            ? [undefined]
            : options.stale.split(',').map((s) => {
                const ms = Number(s.trim());
                if (!(Number.isFinite(ms) && ms >= 0))
                  throw new CliError(`--stale takes ms ≥ 0, got ${JSON.stringify(s)}`);
                return ms;
              });
        const bar = options.json
          ? undefined
          : new cliProgress.SingleBar(
              { format: ' {bar} {percentage}% | {label}', hideCursor: true, clearOnComplete: true },
              cliProgress.Presets.shades_classic,
            );
        bar?.start(stales.length, 0, { label: '' });
        const results: { staleMs: number | undefined; result: SimulationResult }[] = [];
        try {
          for (const [i, staleMs] of stales.entries()) {
            const scenario: Scenario =
              staleMs === undefined ? base : { ...base, reports: { ...base.reports, staleMs } };
            const result = await simulate(scenario, {
              onProgress: (done, balancer) =>
                bar?.update(i + done, { label: `${balancer}${staleMs === undefined ? '' : `, ${staleMs} ms stale`}` }),
            });
            results.push({ staleMs, result });
          }
        } finally {
          bar?.stop();
        }
        if (options.json) {
          console.log(JSON.stringify(results, null, 2));
          return;
        }
        const first = results[0]!.result;
        const c = first.connections;
        console.log(
          `${base.name}: ${first.clients} clients × ${first.nodes} nodes, ${c.total} connections ` +
            `(${c.perNodeMean.toFixed(1)} per node, at most ${c.perNodeMax}), ${base.durationMs / 1000} s measured\n`,
        );
        console.log(resultTable(results));
      }),
    );
}

/** A built-in scenario, or one read from a JSON file. */
function scenarioNamed(name: string): Scenario {
  const builtIn = simulationScenarios[name];
  if (builtIn !== undefined) return builtIn;
  if (!name.endsWith('.json'))
    throw new CliError(
      `unknown scenario "${name}"; built-in: ${Object.keys(simulationScenarios).join(', ')}, or a .json file`,
    );
  let text: string;
  try {
    text = readFileSync(name, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${name}: ${(error as Error).message}`);
  }
  try {
    return { name, ...(JSON.parse(text) as Omit<Scenario, 'name'>) };
  } catch (error) {
    throw new CliError(`${name} is not JSON: ${(error as Error).message}`);
  }
}

function withOptions(scenario: Scenario, options: SimulateCommandOptions): Scenario {
  return {
    ...scenario,
    ...(options.balancer === undefined ? {} : { balancers: options.balancer.split(',').map((b) => b.trim()) }),
    ...(options.duration === undefined ? {} : { durationMs: positiveOption(options.duration, '--duration') * 1000 }),
    ...(options.seed === undefined ? {} : { seed: Math.round(positiveOption(options.seed, '--seed')) }),
  };
}

function resultTable(results: readonly { staleMs: number | undefined; result: SimulationResult }[]): string {
  const withStale = results.some((r) => r.staleMs !== undefined);
  const header = [
    'balancer',
    ...(withStale ? ['stale ms'] : []),
    'calls/s',
    'p50 ms',
    'p99 ms',
    'p99.9 ms',
    'max/mean',
    'CV',
    'herd p99.9',
    'herd max',
    'failed',
  ];
  const rows = results.flatMap(({ staleMs, result }) =>
    result.outcomes.map((o) => [
      o.balancer,
      ...(withStale ? [String(staleMs)] : []),
      o.callsPerSecond.toFixed(0),
      o.latencyMs.p50.toFixed(1),
      o.latencyMs.p99.toFixed(1),
      o.latencyMs.p999.toFixed(1),
      o.spread.maxOverMean.toFixed(2),
      o.spread.cv.toFixed(3),
      String(o.herding.p999),
      String(o.herding.max),
      String(o.failed),
    ]),
  );
  return formatTable(header, rows);
}
