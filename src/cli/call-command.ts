import type { Command } from 'commander';
import { createBalancer } from '../balancer/registry.js';
import { createClient } from '../client/client.js';
import { rpcMethod } from './reflection-client.js';
import {
  clientMethod,
  clientTarget,
  parseRequests,
  positiveOption,
  reachable,
  type RpcCommandOptions,
  rpcCommand,
  runCommand,
} from './rpc-target.js';

interface CallCommandOptions extends RpcCommandOptions {
  readonly timeout: string;
  readonly balancer: string;
}

/**
 * How long a call waits, after the first node is ready, for the others: the balancer then
 * picks among every node that answers soon, so calls from one command line after another
 * spread over the nodes instead of all going to the one that connected first.
 */
const OTHER_NODES_WAIT_MS = 1000;

/**
 * `switchboard call <target> <pkg.Service/Method> [json] [--proto <file>]`: one call through
 * a client over the target's nodes, picked by `--balancer` among those ready within a
 * second, with the schema of the .proto file or, without one, read from a node by server
 * reflection. Responses go to stdout as JSON (one document per message of a stream), the
 * node that served the call to stderr, so stdout pipes into jq.
 */
export function registerCallCommand(program: Command): void {
  rpcCommand(
    program,
    'call',
    'call a method and print the response as JSON (and, on stderr, the node that served it)',
    'the request as JSON; an array of requests for client-streaming and bidi methods',
  )
    .option('--timeout <ms>', 'deadline of the call, including the wait for a reachable node', '5000')
    .option(
      '--balancer <name>',
      'balancer that picks the node (roundRobin, weighted, leastLoad, random, consistentHash)',
      'roundRobin',
    )
    .action((target: string, methodPath: string, json: string, options: CallCommandOptions) =>
      runCommand('call', async () => {
        const timeoutMs = positiveOption(options.timeout, '--timeout');
        const nodes = clientTarget(target, timeoutMs);
        const found = await rpcMethod(options, nodes, methodPath, timeoutMs);
        const requests = parseRequests(json, found);
        const balancer = createBalancer(options.balancer);
        await nodes.check(found.service.name);
        const client = createClient(found.service, {
          ...nodes.nodes,
          balancer,
          deadlineMs: timeoutMs,
          waitForReadyMs: timeoutMs,
        });
        try {
          await reachable(client, nodes, timeoutMs);
          await client.ready({ all: true, timeoutMs: Math.min(OTHER_NODES_WAIT_MS, timeoutMs) }).catch(() => {});
          const call = clientMethod(client, found);
          const result = call(found.method.requestStream ? requests : requests[0]);
          if (Symbol.asyncIterator in result) {
            for await (const message of result) console.log(toJson(message));
          } else {
            console.log(toJson(await result));
          }
          const served = client.stats().endpoints.find((e) => e.calls > e.failures);
          if (served !== undefined) console.error(`served by ${served.id} (${served.address})`);
        } finally {
          await client.close();
          await nodes.close();
        }
      }),
    );
}

/** JSON with bytes as base64 (as grpcurl and the proto3 JSON mapping write them). */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (isBufferJson(v) ? Buffer.from(v.data).toString('base64') : v), 2);
}

function isBufferJson(value: unknown): value is { type: 'Buffer'; data: number[] } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'Buffer' &&
    Array.isArray((value as { data?: unknown }).data)
  );
}
