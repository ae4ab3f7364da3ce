import type { Command } from 'commander';
import { ReflectionClient } from './reflection-client.js';
import { CliError, clientTarget, positiveOption, runCommand } from './rpc-target.js';

/**
 * `switchboard list <target> [service]`, grpcurl's verb: the services a node serves, or the
 * methods of one (`pkg.Service.Method`), one per line, read by server reflection.
 */
export function registerListCommand(program: Command): void {
  program
    .command('list')
    .description("list a node's services, or the methods of one service, by server reflection")
    .argument(
      '<target>',
      'host:port, a comma list of them (the first is asked), or etcd://host:port/prefix (with a service)',
    )
    .argument('[service]', 'a fully qualified service name: list its methods')
    .option('--timeout <ms>', 'deadline of each reflection query, including the wait for the node', '5000')
    .action((target: string, service: string | undefined, options: { timeout: string }) =>
      runCommand('list', async () => {
        const timeoutMs = positiveOption(options.timeout, '--timeout');
        const nodes = clientTarget(target, timeoutMs);
        try {
          await withReflection(nodes, service === undefined ? [] : [service], timeoutMs, async (reflection) => {
            if (service === undefined) {
              for (const name of (await reflection.listServices()).sort()) console.log(name);
              return;
            }
            const files = await reflection.filesOf(service);
            const found = files
              .flatMap((file) =>
                (file.service ?? []).map((s) => ({ s, name: file.package ? `${file.package}.${s.name}` : s.name })),
              )
              .find(({ name }) => name === service.replace(/^\./, ''));
            if (found === undefined) throw new CliError(`${reflection.address}: ${service} is not a service`);
            for (const method of found.s.method ?? []) console.log(`${found.name}.${method.name}`);
          });
        } finally {
          await nodes.close();
        }
      }),
    );
}

/** Runs `body` with a reflection client of the target's first node, and closes it. */
export async function withReflection(
  nodes: Parameters<typeof ReflectionClient.open>[0],
  services: readonly string[],
  timeoutMs: number,
  body: (reflection: ReflectionClient) => Promise<void>,
): Promise<void> {
  const reflection = await ReflectionClient.open(nodes, services, timeoutMs);
  try {
    await body(reflection);
  } finally {
    await reflection.close();
  }
}
