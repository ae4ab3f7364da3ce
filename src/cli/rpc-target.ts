import path from 'node:path';
import type protobuf from 'protobufjs';
import { schemaRoot } from '../schema/codec.js';
import type { MethodDescriptor } from '../schema/descriptor.js';
import { type LooseServiceDescriptor, loadService } from '../schema/load-service.js';
import { checkRequest } from './request-json.js';

/** A failure the CLI reports as one line and a non-zero exit. */
export class CliError extends Error {}

/** The addresses of a `call` / `bench` target: `host:port`, or a comma list of them. */
export function targetAddresses(target: string): string[] {
  if (target.startsWith('etcd://')) {
    throw new CliError(
      `etcd:// targets are not available yet (the etcd registry is not in this build); give host:port addresses, e.g. 127.0.0.1:50051,127.0.0.1:50052`,
    );
  }
  const addresses = target.split(',').map((a) => a.trim()).filter((a) => a !== '');
  const bad = addresses.find((a) => !/^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):\d{1,5}$/.test(a));
  if (addresses.length === 0 || bad !== undefined) {
    throw new CliError(`bad target ${JSON.stringify(bad ?? target)}: expected host:port, a comma list of them, or etcd://host:port/prefix`);
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
  const match = /^\/?([\w.]+)[/.](\w+)$/.exec(methodPath);
  if (match === null) throw new CliError(`bad method ${JSON.stringify(methodPath)}: expected pkg.Service/Method`);
  const [, serviceName, methodName] = match as unknown as [string, string, string];
  let service: LooseServiceDescriptor;
  try {
    service = loadService(path.resolve(protoFile), serviceName, { includeDirs: include });
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error));
  }
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
  readonly proto: string;
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
  if (!(Number.isFinite(value) && value > 0)) throw new CliError(`${flag} must be a positive number, got ${JSON.stringify(text)}`);
  return value;
}

/** Waits for a ready node; a CliError naming the addresses when none answers in time. */
export async function reachable(client: { ready(o: { timeoutMs: number }): Promise<void> }, addresses: readonly string[], timeoutMs: number): Promise<void> {
  try {
    await client.ready({ timeoutMs });
  } catch {
    throw new CliError(`cannot reach ${addresses.join(', ')} within ${timeoutMs} ms (is a node listening there?)`);
  }
}
