import type { Command } from 'commander';
import { withReflection } from './list-command.js';
import { describeSymbol } from './proto-text.js';
import { CliError, clientTarget, positiveOption, runCommand } from './rpc-target.js';

/**
 * `switchboard describe <target> <symbol>`, grpcurl's verb: a service, method, message,
 * enum or field of a node as .proto text, read by server reflection.
 */
export function registerDescribeCommand(program: Command): void {
  program
    .command('describe')
    .description('print a service, method, message or enum of a node as .proto text, by server reflection')
    .argument('<target>', 'host:port, a comma list of them (the first is asked), or etcd://host:port/prefix')
    .argument('<symbol>', 'a fully qualified name, e.g. pkg.Service, pkg.Service.Method or pkg.Message')
    .option('--timeout <ms>', 'deadline of each reflection query, including the wait for the node', '5000')
    .action((target: string, symbol: string, options: { timeout: string }) =>
      runCommand('describe', async () => {
        const timeoutMs = positiveOption(options.timeout, '--timeout');
        const nodes = clientTarget(target, timeoutMs);
        // etcd lists nodes by service: the symbol is a service, or inside one.
        const parts = symbol.split('.');
        const services = parts.map((_, i) => parts.slice(0, parts.length - i).join('.'));
        try {
          await withReflection(nodes, services, timeoutMs, async (reflection) => {
            const text = describeSymbol(await reflection.filesOf(symbol), symbol);
            if (text === undefined)
              throw new CliError(`${reflection.address}: ${symbol} is not in the files the node sent`);
            console.log(text);
          });
        } finally {
          await nodes.close();
        }
      }),
    );
}
