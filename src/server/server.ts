import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { type MessageLimits, messageSizeOptions } from '../common/message-limits.js';
import { RpcError } from '../common/rpc-error.js';
import { Status } from '../common/status.js';
import { methodCodec } from '../schema/codec.js';
import type { ServiceDescriptor } from '../schema/descriptor.js';
import type { LiveContext } from './call-context.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { adaptHandler, type CallHooks, type UntypedHandler } from './handler-adapter.js';
import type { Handlers } from './handler-types.js';
import { Health, HealthState } from './health.js';
import { Node, nodeInfoHandlers } from './node-info.js';
import { type ServerTlsOptions, serverCredentials } from './server-tls.js';

/** Options of `createServer`. */
export interface ServerOptions extends MessageLimits {
  /** Unique id of this node in the cluster; clients name it in stats and errors. */
  readonly nodeId: string;
  /** Zone (e.g. `eu-1`) for zone-aware routing. */
  readonly zone?: string;
  /** Relative capacity announced to clients (default 1). */
  readonly weight?: number;
  /** Free-form labels (e.g. `{ version: 'v2' }`) for routing rules. */
  readonly labels?: Readonly<Record<string, string>>;
  /** TLS (and mutual TLS); without it the node listens in plaintext. */
  readonly tls?: ServerTlsOptions;
  /**
   * At most this many calls run their handlers at once (default unlimited); calls over
   * the limit wait in `maxQueuedCalls` or are refused with RESOURCE_EXHAUSTED.
   */
  readonly maxConcurrentCalls?: number;
  /**
   * With `maxConcurrentCalls`: how many calls may wait for a slot, in order, until their
   * deadline (default 0: refuse at once; `Infinity`: queue all).
   */
  readonly maxQueuedCalls?: number;
  /** Options passed to the grpc-js server; they win over the above. */
  readonly grpcOptions?: grpc.ServerOptions;
  /**
   * Called when a handler throws something that is not an `RpcError` (the caller gets
   * INTERNAL without details). Default: one line on stderr.
   */
  readonly onHandlerError?: (error: unknown, path: string) => void;
}

/** Where a server listens. */
export interface ListenResult {
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** `host:port` to give clients. */
  readonly address: string;
}

/** Options of `shutdown`. */
export interface ShutdownOptions {
  /** How long in-flight calls may run before they are cancelled (default 5000 ms). */
  readonly graceMs?: number;
}

/** A server node: add services, listen, shut down gracefully. */
export interface Server {
  readonly nodeId: string;
  /** Calls being handled right now. */
  readonly inFlight: number;
  /**
   * Sets what `grpc.health.v1.Health` reports for a service (default: the whole node).
   * Clients stop sending calls for that service to a node that is not serving.
   */
  setServing(serving: boolean, service?: string): void;
  /** Adds a service with its handlers (before `listen`). */
  add<S extends ServiceDescriptor>(service: S, handlers: Handlers<S>): this;
  /** Binds and starts serving, e.g. `listen('127.0.0.1:0')`. */
  listen(address: string): Promise<ListenResult>;
  /**
   * Health goes NOT_SERVING (watching clients move away), then new calls are refused,
   * in-flight calls get `graceMs` to finish, then the rest are cancelled.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
}

/** Creates a server node (DESIGN.md §5). */
export function createServer(options: ServerOptions): Server {
  return new NodeServer(options);
}

class NodeServer implements Server {
  readonly nodeId: string;
  private readonly grpcServer: grpc.Server;
  private readonly health = new HealthState();
  private readonly services = new Set<string>();
  private readonly live = new Set<LiveContext>();
  private readonly hooks: CallHooks;
  private readonly credentials: grpc.ServerCredentials;
  private state: 'new' | 'listening' | 'closing' | 'closed' = 'new';

  constructor(options: ServerOptions) {
    if (typeof options?.nodeId !== 'string' || options.nodeId.trim() === '') {
      throw new TypeError('createServer: nodeId must be a non-empty string');
    }
    const weight = options.weight ?? 1;
    if (!Number.isFinite(weight) || weight <= 0) {
      throw new RangeError(`createServer: weight of node ${options.nodeId} must be a positive number, got ${weight}`);
    }
    this.nodeId = options.nodeId;
    this.credentials = serverCredentials(options.tls, options.nodeId);
    this.grpcServer = new grpc.Server({ ...messageSizeOptions(options, `createServer(${options.nodeId})`), ...options.grpcOptions });
    const limit =
      options.maxConcurrentCalls === undefined
        ? undefined
        : new ConcurrencyLimit(options.nodeId, options.maxConcurrentCalls, options.maxQueuedCalls ?? 0);
    const onHandlerError =
      options.onHandlerError ??
      ((error: unknown, path: string) => console.error(`[switchboard] ${this.nodeId} ${path} handler failed:`, error));
    this.hooks = {
      begin: (ctx) => this.live.add(ctx),
      admit: limit && ((ctx) => limit.admit(ctx)),
      end: (ctx) => {
        this.live.delete(ctx);
        limit?.release(ctx);
      },
      onHandlerError,
    };
    const identity = { nodeId: options.nodeId, zone: options.zone ?? '', weight, labels: options.labels ?? {} };
    this.register(Health, this.health.handlers(), UNTRACKED);
    this.register(Node, nodeInfoHandlers(identity, () => [...this.services]), UNTRACKED);
  }

  setServing(serving: boolean, service = ''): void {
    if (service !== '' && !this.services.has(service)) {
      throw new Error(`setServing: service ${service} is not added to node ${this.nodeId}`);
    }
    const status = serving ? 'SERVING' : 'NOT_SERVING';
    if (service !== '') {
      this.health.set(service, status);
      return;
    }
    this.health.set('', status);
    for (const name of this.services) this.health.set(name, status);
  }

  get inFlight(): number {
    return this.live.size;
  }

  add<S extends ServiceDescriptor>(service: S, handlers: Handlers<S>): this {
    if (this.state !== 'new') throw new Error(`add(${service.name}): node ${this.nodeId} is already listening`);
    if (this.services.has(service.name)) throw new Error(`service ${service.name} is already added to node ${this.nodeId}`);
    this.register(service, handlers, this.hooks);
    this.services.add(service.name);
    this.health.set(service.name, 'SERVING');
    return this;
  }

  async listen(address: string): Promise<ListenResult> {
    if (this.state !== 'new') throw new Error(`node ${this.nodeId} is already listening`);
    const port = await new Promise<number>((resolve, reject) =>
      this.grpcServer.bindAsync(address, this.credentials, (error, bound) =>
        error ? reject(new Error(`node ${this.nodeId} cannot listen on ${address}: ${error.message}`)) : resolve(bound),
      ),
    );
    this.state = 'listening';
    const host = address.slice(0, address.lastIndexOf(':'));
    return { port, address: `${host}:${port}` };
  }

  async shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.state = 'closing';
    const graceMs = options.graceMs ?? 5000;
    this.health.setAllNotServing();
    this.health.close();
    // Clients watching health stop picking this node within a round trip; calls that
    // still arrive meanwhile are served. Only then does the listener close.
    const notice = Math.min(graceMs / 2, DRAIN_NOTICE_MS);
    await sleep(notice);
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        const reason = new RpcError(Status.UNAVAILABLE, `node ${this.nodeId} is shutting down`);
        for (const ctx of this.live) ctx.abort(reason);
        this.grpcServer.forceShutdown();
        resolve();
      }, graceMs - notice);
      this.grpcServer.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    this.state = 'closed';
  }

  private register(service: ServiceDescriptor, handlers: object, hooks: CallHooks): void {
    const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
    const implementation: grpc.UntypedServiceImplementation = {};
    const given = handlers as Record<string, unknown>;
    for (const name of Object.keys(given)) {
      if (!(name in service.methods)) {
        throw new Error(
          `handler ${name} is not a method of ${service.name} (methods: ${Object.keys(service.methods).join(', ')})`,
        );
      }
    }
    for (const [name, method] of Object.entries(service.methods)) {
      const codec = methodCodec(service, method);
      definition[name] = {
        path: method.path,
        requestStream: method.requestStream,
        responseStream: method.responseStream,
        requestSerialize: codec.serializeRequest,
        requestDeserialize: codec.deserializeRequest,
        responseSerialize: codec.serializeResponse,
        responseDeserialize: codec.deserializeResponse,
        originalName: name,
      };
      const handler = given[name];
      if (handler === undefined) {
        implementation[name] = unimplemented(method.path);
      } else if (typeof handler === 'function') {
        implementation[name] = adaptHandler(method, codec, handler.bind(handlers) as UntypedHandler, hooks);
      } else {
        throw new TypeError(`handler ${name} of ${service.name} must be a function, got ${typeof handler}`);
      }
    }
    this.grpcServer.addService(definition, implementation);
  }
}

/** Internal services (health, node info) are not counted as load nor cancelled by drain. */
const UNTRACKED: CallHooks = {
  begin: () => {},
  end: () => {},
  onHandlerError: (error, path) => console.error(`[switchboard] ${path} failed:`, error),
};

/** How long a draining node keeps serving after it said NOT_SERVING (at most half the grace). */
const DRAIN_NOTICE_MS = 250;

function unimplemented(path: string): grpc.UntypedHandleCall {
  const status = { code: Status.UNIMPLEMENTED, details: `method ${path} has no handler on this node` };
  return (call: grpc.ServerUnaryCall<unknown, unknown>, callback?: grpc.sendUnaryData<unknown>) => {
    if (callback) callback(status);
    else call.emit('error', status);
  };
}
