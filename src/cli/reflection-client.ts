import { createClient } from '../client/client.js';
import { RpcError } from '../common/rpc-error.js';
import { Status, statusName } from '../common/status.js';
import {
  ServerReflection as ReflectionV1,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from '../gen/grpc/reflection/v1/reflection.js';
import { ServerReflection as ReflectionV1alpha } from '../gen/grpc/reflection/v1alpha/reflection.js';
import { decodeFileDescriptor, type FileDescriptor } from '../schema/descriptor-proto.js';
import { rootFromFiles } from '../schema/descriptor-schema.js';
import type { DeepPartial } from '../schema/types.js';
import { serviceOfRoot } from '../schema/load-service.js';
import {
  CliError,
  type ClientTarget,
  findMethod,
  type ProtoMethod,
  protoMethod,
  type RpcCommandOptions,
  splitMethodPath,
} from './rpc-target.js';

type Request = DeepPartial<ServerReflectionRequest>;

/** One request, one response: what each reflection query is here (a stream of its own). */
type Ask = (request: Request) => Promise<ServerReflectionResponse>;

/**
 * The CLI's server reflection client (`list`, `describe`, and `call` / `bench` without
 * `--proto`): asks one node, the first of the target (grpc.reflection.v1, or v1alpha when
 * the node serves only that, as grpcurl does). Errors name the node and what it said.
 */
export class ReflectionClient {
  private ask: Ask | undefined;
  private readonly closers: (() => Promise<void>)[] = [];

  private constructor(
    /** The node asked, as errors name it. */
    readonly address: string,
    private readonly timeoutMs: number,
    /** Appended to the error of a node without reflection (what to do instead). */
    private readonly hint: string,
  ) {}

  /**
   * A client of the first node of `target`; with an etcd target, of the first node
   * registered for one of `services` (tried in order), since etcd lists nodes by service.
   */
  static async open(
    target: ClientTarget,
    services: readonly string[],
    timeoutMs: number,
    hint = '',
  ): Promise<ReflectionClient> {
    const { nodes } = target;
    if ('endpoints' in nodes) return new ReflectionClient(nodes.endpoints[0]!, timeoutMs, hint);
    if (services.length === 0)
      throw new CliError(`${target.description}: name a service (etcd lists nodes by service)`);
    for (const service of services) {
      const members = await nodes.resolver.members(service).catch((error: unknown) => {
        throw new CliError(
          `cannot reach etcd for ${target.description}: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
      if (members.length > 0) return new ReflectionClient(members[0]!.address, timeoutMs, hint);
    }
    throw new CliError(`no node of ${services[0]} is registered in ${target.description}`);
  }

  /** The services the node serves, as it lists them. */
  async listServices(): Promise<string[]> {
    const response = await this.query({ listServices: '' }, 'list services');
    return (response.listServicesResponse?.service ?? []).map((s) => s.name);
  }

  /**
   * The file declaring `symbol` and every file it imports, transitively (asked for by name
   * when the node did not send them).
   */
  async filesOf(symbol: string): Promise<FileDescriptor[]> {
    const files = new Map<string, FileDescriptor>();
    const add = (response: ServerReflectionResponse) => {
      for (const bytes of response.fileDescriptorResponse?.fileDescriptorProto ?? []) {
        const file = decodeFileDescriptor(bytes);
        if (!files.has(file.name)) files.set(file.name, file);
      }
    };
    add(await this.query({ fileContainingSymbol: symbol }, `file containing ${symbol}`));
    for (let missing = missingFiles(files); missing.length > 0; missing = missingFiles(files)) {
      for (const name of missing) add(await this.query({ fileByFilename: name }, `file ${name}`));
    }
    return [...files.values()];
  }

  async close(): Promise<void> {
    await Promise.all(this.closers.map((close) => close()));
  }

  /** One query; a node's error response becomes a CliError naming `what` was asked. */
  private async query(request: Request, what: string): Promise<ServerReflectionResponse> {
    this.ask ??= await this.connect();
    const response = await this.ask(request);
    const error = response.errorResponse;
    if (error !== undefined) {
      throw new CliError(`${this.address}: ${what}: ${statusName(error.errorCode)}: ${error.errorMessage}`);
    }
    return response;
  }

  /** v1, or v1alpha when the node answers v1 with UNIMPLEMENTED. */
  private async connect(): Promise<Ask> {
    const v1 = await this.client(ReflectionV1);
    const probe = { listServices: '' };
    try {
      await v1(probe);
      return v1;
    } catch (error) {
      if (!(error instanceof RpcError && error.code === Status.UNIMPLEMENTED)) throw this.callFailure(error);
    }
    const v1alpha = await this.client(ReflectionV1alpha);
    try {
      await v1alpha(probe);
      return v1alpha;
    } catch (error) {
      if (error instanceof RpcError && error.code === Status.UNIMPLEMENTED) {
        throw new CliError(
          `${this.address}: the node does not serve reflection ` +
            `(grpc.reflection.v1 and v1alpha: UNIMPLEMENTED)${this.hint}`,
        );
      }
      throw this.callFailure(error);
    }
  }

  private callFailure(error: unknown): CliError {
    const text = error instanceof RpcError ? `${statusName(error.code)}: ${error.details}` : String(error);
    return new CliError(`${this.address}: reflection failed: ${text}`);
  }

  private async client(service: typeof ReflectionV1 | typeof ReflectionV1alpha): Promise<Ask> {
    const client = createClient(service as typeof ReflectionV1, {
      endpoints: [this.address],
      healthCheck: false,
      deadlineMs: this.timeoutMs,
      waitForReadyMs: this.timeoutMs,
    });
    this.closers.push(() => client.close());
    await client.ready({ timeoutMs: this.timeoutMs }).catch(() => {
      throw new CliError(`cannot reach ${this.address} within ${this.timeoutMs} ms (is a node listening there?)`);
    });
    return async (request) => {
      for await (const response of client.serverReflectionInfo([request])) return response;
      throw new CliError(`${this.address}: reflection stream ended without an answer`);
    };
  }
}

function missingFiles(files: ReadonlyMap<string, FileDescriptor>): string[] {
  const missing = new Set<string>();
  for (const file of files.values()) {
    for (const dependency of file.dependency ?? []) if (!files.has(dependency)) missing.add(dependency);
  }
  return [...missing].sort();
}

/** `pkg.Service/Method` read from the node by reflection. */
async function reflectedMethod(target: ClientTarget, methodPath: string, timeoutMs: number): Promise<ProtoMethod> {
  const [serviceName, methodName] = splitMethodPath(methodPath);
  const reflection = await ReflectionClient.open(target, [serviceName], timeoutMs, '; pass --proto <file>');
  try {
    const files = await reflection.filesOf(serviceName);
    let service: ReturnType<typeof serviceOfRoot>;
    try {
      service = serviceOfRoot(rootFromFiles(files), serviceName, `the files of ${reflection.address}`);
    } catch (error) {
      throw new CliError(`${reflection.address}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return findMethod(service, methodName);
  } finally {
    await reflection.close();
  }
}

/**
 * The method `call` and `bench` run: from `--proto` when given, else read from the node by
 * reflection. On failure the target is closed (an etcd target holds a connection).
 */
export async function rpcMethod(
  options: RpcCommandOptions,
  target: ClientTarget,
  methodPath: string,
  timeoutMs: number,
): Promise<ProtoMethod> {
  try {
    if (options.proto !== undefined) return protoMethod(options.proto, options.include ?? [], methodPath);
    return await reflectedMethod(target, methodPath, timeoutMs);
  } catch (error) {
    await target.close();
    throw error;
  }
}
