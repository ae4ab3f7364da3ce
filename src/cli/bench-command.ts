import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { createBalancer } from '../balancer/registry.js';
import { createClient } from '../client/client.js';
import type { LatencySummary } from '../observability/latency-histogram.js';
import { runClosedLoop } from './load-loop.js';
import { rpcMethod } from './reflection-client.js';
import {
  CliError,
  type ClientTarget,
  clientMethod,
  clientTarget,
  type ProtoMethod,
  parseRequests,
  positiveOption,
  reachable,
  type RpcCommandOptions,
  rpcCommand,
  runCommand,
} from './rpc-target.js';
import { formatTable } from './table.js';

interface BenchCommandOptions extends RpcCommandOptions {
  readonly balancer: string;
  readonly concurrency: string;
  readonly duration: string;
  readonly json?: boolean;
}

/** What one balancer achieved in a bench run. */
interface BenchResult {
  readonly balancer: string;
  readonly calls: number;
  readonly errors: number;
  readonly rps: number;
  readonly latencyMs: LatencySummary;
  /** Share of attempts per node id, 0..1. */
  readonly nodes: Readonly<Record<string, number>>;
  readonly firstError?: string;
}

/**
 * `switchboard bench <target> <method> [json] [--proto <file>] --balancer a,b`: a closed-loop
 * load through a Switchboard client per balancer, with a progress bar, then one table row
 * per balancer (or `--json`).
 */
export function registerBenchCommand(program: Command): void {
  rpcCommand(
    program,
    'bench',
    'load a unary or server-streaming method through each balancer and print rps, latency and per-node shares',
    'the request as JSON',
  )
    .option(
      '--balancer <names>',
      'balancer name, or a comma list to compare (roundRobin, weighted, leastLoad, random, consistentHash)',
      'roundRobin',
    )
    .option('--concurrency <n>', 'calls in flight (closed loop)', '16')
    .option('--duration <s>', 'seconds of load per balancer', '5')
    .option('--json', 'print the results as JSON instead of a table')
    .action((target: string, methodPath: string, json: string, options: BenchCommandOptions) =>
      runCommand('bench', async () => {
        const concurrency = Math.round(positiveOption(options.concurrency, '--concurrency'));
        const durationMs = positiveOption(options.duration, '--duration') * 1000;
        const nodes = clientTarget(target, 5000);
        const found = await rpcMethod(options, nodes, methodPath, 5000);
        if (found.method.requestStream)
          throw new CliError(`bench runs unary and server-streaming methods; ${methodPath} takes a request stream`);
        const [request] = parseRequests(json, found);
        const names = options.balancer.split(',').map((n) => n.trim());
        for (const name of names) createBalancer(name); // an unknown name fails before any load
        const bar = options.json
          ? undefined
          : new cliProgress.SingleBar(
              { format: ' {bar} {percentage}% | {balancer} | {rps} calls/s', hideCursor: true, clearOnComplete: true },
              cliProgress.Presets.shades_classic,
            );
        bar?.start(names.length * durationMs, 0, { balancer: '', rps: 0 });
        const results: BenchResult[] = [];
        try {
          await nodes.check(found.service.name);
          for (const [i, name] of names.entries()) {
            results.push(
              await benchOne(found, nodes, name, request, concurrency, durationMs, (done, elapsed) =>
                bar?.update(i * durationMs + Math.min(elapsed, durationMs), {
                  balancer: name,
                  rps: Math.round((done * 1000) / elapsed),
                }),
              ),
            );
          }
        } finally {
          bar?.stop();
          await nodes.close();
        }
        if (options.json) {
          console.log(
            JSON.stringify(
              { target, method: found.method.path, concurrency, durationS: durationMs / 1000, results },
              null,
              2,
            ),
          );
          return;
        }
        const count = Object.keys(results[0]?.nodes ?? {}).length;
        console.log(
          `${found.method.path} on ${count} node${count === 1 ? '' : 's'}, ` +
            `${concurrency} calls in flight, ${durationMs / 1000} s per balancer\n`,
        );
        console.log(resultTable(results));
        const failure = results.find((r) => r.firstError !== undefined);
        if (failure !== undefined) console.log(`\nfirst error (${failure.balancer}): ${failure.firstError}`);
      }),
    );
}

async function benchOne(
  found: ProtoMethod,
  nodes: ClientTarget,
  balancer: string,
  request: unknown,
  concurrency: number,
  durationMs: number,
  onProgress: (completed: number, elapsedMs: number) => void,
): Promise<BenchResult> {
  const client = createClient(found.service, { ...nodes.nodes, balancer: createBalancer(balancer), deadlineMs: 5000 });
  try {
    await reachable(client, nodes, 5000);
    // Start with every node that comes up soon, so the shares are the balancer's, not the start-up's.
    await client.ready({ all: true, timeoutMs: 2000 }).catch(() => {});
    const call = clientMethod(client, found);
    const result = await runClosedLoop({
      concurrency,
      durationMs,
      onProgress,
      call: async () => {
        const response = call(request);
        if (Symbol.asyncIterator in response) for await (const _ of response);
        else await response;
        return '';
      },
    });
    const stats = client.stats();
    return {
      balancer,
      calls: result.completed,
      errors: result.failed,
      rps: result.rps,
      latencyMs: result.latencyMs,
      nodes: Object.fromEntries(stats.endpoints.map((e) => [e.id, e.share])),
      ...(result.firstError === undefined
        ? {}
        : { firstError: result.firstError instanceof Error ? result.firstError.message : String(result.firstError) }),
    };
  } finally {
    await client.close();
  }
}

function resultTable(results: readonly BenchResult[]): string {
  const nodes = [...new Set(results.flatMap((r) => Object.keys(r.nodes)))];
  const header = ['balancer', 'calls/s', 'p50 ms', 'p90 ms', 'p99 ms', 'errors', ...nodes];
  const rows = results.map((r) => [
    r.balancer,
    r.rps.toFixed(0),
    r.latencyMs.p50.toFixed(2),
    r.latencyMs.p90.toFixed(2),
    r.latencyMs.p99.toFixed(2),
    String(r.errors),
    ...nodes.map((id) => `${(100 * (r.nodes[id] ?? 0)).toFixed(0)}%`),
  ]);
  return formatTable(header, rows);
}
