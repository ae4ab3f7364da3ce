import path from 'node:path';
import type { Command } from 'commander';
import type protobuf from 'protobufjs';
import type { CallOptions } from '../client/api/call-options.js';
import { type EtcdRegistry, etcdRegistry } from '../discovery/etcd-registry.js';
import { schemaRoot } from '../schema/codec.js';
import type { MethodDescriptor } from '../schema/descriptor.js';
import { type LooseServiceDescriptor, loadService } from '../schema/load-service.js';
import { checkRequest } from './request-json.js';

/** A failure the CLI reports as one line and a non-zero exit. */
export class CliError extends Error {}

/** Where a CLI client's nodes come from: a fixed address list or an etcd registry. */
export interface ClientTarget {
  /** `endpoints` or `resolver`, for `createClient`. */
  readonly nodes: { readonly endpoints: string[] } | { readonly resolver: EtcdRegistry };
  /** What to name in a "cannot reach" error. */
  readonly description: string;
  /** Fails with a CliError when etcd cannot be reached or lists no node of `service`. */
  check(service: string): Promise<void>;
  close(): Promise<void>;
}

/** A `call` / `bench` target: `host:port`, a comma list of them, or `etcd://host:port[,host:port]/prefix`. */
export function clientTarget(target: string, timeoutMs: number): ClientTarget {
  const etcd = /^etcd:\/\/([^/]+)(?:\/(.*))?$/.exec(target);
  if (etcd !== null) {
    const hosts = addressList(etcd[1]!, target);
    const prefix = etcd[2] || 'switchboard';
    const registry = etcdRegistry({ hosts, prefix, timeoutMs, log: () => {} });
    return {
      nodes: { resolver: registry },
      description: `the nodes registered in etcd at ${hosts.join(',')}/${prefix}`,
      check: async (service) => {
        let members: readonly unknown[];
        try {
          members = await registry.members(service);
        } catch (error) {
          // grpc-js appends an empty "Resolution note" to connection errors.
          const reason = (error instanceof Error ? error.message : String(error)).replace(
            /\.? Resolution note:.*$/s,
            '',
          );
          throw new CliError(`cannot reach etcd at ${hosts.join(',')}: ${reason}`);
        }
        if (members.length === 0)
          throw new CliError(`no node of ${service} is registered in etcd at ${hosts.join(',')} under /${prefix}`);
      },
      close: () => registry.close(),
    };
  }
  const endpoints = addressList(target, target);
  return { nodes: { endpoints }, description: endpoints.join(', '), check: async () => {}, close: async () => {} };
}

function addressList(list: string, target: string): string[] {
  const addresses = list
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  const bad = addresses.find((a) => !/^(\[[0-9a-fA-F:.]+\]|[^:\s[\]/]+):\d{1,5}$/.test(a));
  if (addresses.length === 0 || bad !== undefined) {
    throw new CliError(
      `bad target ${JSON.stringify(bad ?? target)}: ` +
        'expected host:port, a comma list of them, or etcd://host:port/prefix',
    );
  }
  return addresses;
}

/** One method of a service loaded from a .proto file at run time, with its request type. */
export interface ProtoMethod {
  readonly service: LooseServiceDescriptor;
  /** The client method name (camelCase). */
  readonly name: string;
  readonly method: MethodDescriptor;
  readonly requestType: protobuf.Type;
}

/** Finds `pkg.Service/Method` (or `/pkg.Service/Method`) in the proto file; errors name what is missing. */
export function protoMethod(protoFile: string, include: readonly string[], methodPath: string): ProtoMethod {
  const [serviceName, methodName] = splitMethodPath(methodPath);
  let service: LooseServiceDescriptor;
  try {
    service = loadService(path.resolve(protoFile), serviceName, { includeDirs: include });
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error));
  }
  return findMethod(service, methodName);
}

/** `pkg.Service/Method`, `/pkg.Service/Method` or `pkg.Service.Method` → service and method names. */
export function splitMethodPath(methodPath: string): [service: string, method: string] {
  const match = /^\/?([\w.]+)[/.](\w+)$/.exec(methodPath);
  if (match === null) throw new CliError(`bad method ${JSON.stringify(methodPath)}: expected pkg.Service/Method`);
  return [match[1]!, match[2]!];
}

/** A method of a loaded service by its .proto name; the error lists the service's methods. */
export function findMethod(service: LooseServiceDescriptor, methodName: string): ProtoMethod {
  const serviceName = service.name;
  const found = Object.entries(service.methods).find(([, m]) => m.name === methodName);
  if (found === undefined) {
    const known = Object.values(service.methods).map((m) => m.name);
    throw new CliError(`method ${methodName} is not in ${serviceName} (methods: ${known.join(', ')})`);
  }
  const [name, method] = found;
  return { service, name, method, requestType: schemaRoot(service.schema).lookupType(method.requestType) };
}

/**
 * The request(s) from the command line's JSON: an object, or for client-streaming and bidi
 * methods an array of them; errors name the bad field and the message type.
 */
export function parseRequests(json: string, target: ProtoMethod): Record<string, unknown>[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new CliError(`request is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const list = target.method.requestStream && Array.isArray(value) ? value : [value];
  return list.map((request, i) => {
    const where = list.length > 1 ? ` (request ${i + 1})` : '';
    const problem = checkRequest(request, target.requestType);
    if (problem !== undefined) throw new CliError(`bad request for ${target.method.requestType}${where}: ${problem}`);
    return request as Record<string, unknown>;
  });
}

/** Settings shared by `call` and `bench`. */
export interface RpcCommandOptions {
  readonly proto?: string;
  readonly include?: string[];
}

/** Runs a command's body; any failure becomes one line `switchboard <command>: <what>` and exit code 1. */
export async function runCommand(command: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    console.error(`switchboard ${command}: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

/** A positive number from an option, or a CliError naming the flag. */
export function positiveOption(text: string, flag: string): number {
  const value = Number(text);
  if (!(Number.isFinite(value) && value > 0))
    throw new CliError(`${flag} must be a positive number, got ${JSON.stringify(text)}`);
  return value;
}

/** Waits for a ready node; a CliError naming the target when none answers in time. */
export async function reachable(
  client: { ready(o: { timeoutMs: number }): Promise<void> },
  target: ClientTarget,
  timeoutMs: number,
): Promise<void> {
  try {
    await client.ready({ timeoutMs });
  } catch {
    throw new CliError(`cannot reach ${target.description} within ${timeoutMs} ms (is a node listening there?)`);
  }
}

/** A `call` / `bench`-style subcommand with its common arguments: target, method, JSON request, `--proto`, `-I`. */
export function rpcCommand(program: Command, name: string, description: string, jsonHelp: string): Command {
  return program
    .command(name)
    .description(description)
    .argument('<target>', 'host:port, a comma list of them, or etcd://host:port/prefix')
    .argument('<method>', 'pkg.Service/Method')
    .argument('[json]', jsonHelp, '{}')
    .option('--proto <file>', '.proto file defining the service (default: read from the node by server reflection)')
    .option('-I, --include <dir...>', 'directories searched for imports');
}

/** A method of a client made from a run-time descriptor: a Promise or an AsyncIterable, depending on its kind. */
type LooseClientMethod = (request: unknown, options?: CallOptions) => Promise<unknown> | AsyncIterable<unknown>;

/** The client function of `found` (clients of loaded services are typed loosely). */
export function clientMethod(client: object, found: ProtoMethod): LooseClientMethod {
  return (client as Record<string, LooseClientMethod>)[found.name]!;
}
