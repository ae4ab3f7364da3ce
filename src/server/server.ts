import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { messageSizeOptions } from '../common/message-limits.js';
import { numberAtLeast } from '../common/option-checks.js';
import { ORCA_TRAILER } from '../common/orca-load-report.js';
import { RpcError } from '../common/rpc-error.js';
import { Status } from '../common/status.js';
import { MethodRecorder } from '../observability/method-stats.js';
import { type CallRecorder, metricsRecorder } from '../observability/metrics.js';
import type { ServiceDescriptor } from '../schema/descriptor.js';
import type { Registration, Registry } from '../discovery/registry.js';
import { type Advertised, announcedAddress, checkAnnounceable, parseAdvertise } from './advertise.js';
import type { LiveContext } from './call-context.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import type { CallHooks } from './handler-adapter.js';
import type { Handlers } from './handler-types.js';
import { type AppLoad, type LoadSnapshot, LoadReporter } from './load-reporter.js';
import type { ServerInterceptor } from './server-interceptor.js';
import { Health, HealthState } from './health.js';
import { Node, type NodeIdentity, nodeInfoHandlers, nodeInfoHeader } from './node-info.js';
import { ServerReflection } from './reflection/reflection-service.js';
import type { ListenResult, Server, ServerOptions, ServerStats, ShutdownOptions } from './server-types.js';
import { serverCredentials } from './server-tls.js';
import { bindService } from './service-binding.js';

/** Creates a server node (see docs/design.md, "Server nodes"). */
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
  private readonly loadReporter: LoadReporter | undefined;
  private readonly interceptors: ServerInterceptor[];
  private readonly identity: NodeIdentity;
  private readonly registry: Registry | undefined;
  private readonly advertised: Advertised | undefined;
  private registration: Registration | undefined;
  private readonly recorders = new Map<string, MethodRecorder>();
  private readonly limit: ConcurrencyLimit | undefined;
  private readonly reflection: ServerReflection | undefined;
  private readonly record: CallRecorder | undefined;
  private readonly unwatchMetrics: (() => void) | undefined;
  private state: 'new' | 'listening' | 'closing' | 'closed' = 'new';
  private stopping: Promise<void> | undefined;

  constructor(options: ServerOptions) {
    if (typeof options?.nodeId !== 'string' || options.nodeId.trim() === '') {
      throw new TypeError('createServer: nodeId must be a non-empty string');
    }
    const weight = options.weight ?? 1;
    if (!Number.isFinite(weight) || weight <= 0) {
      throw new RangeError(`createServer: weight of node ${options.nodeId} must be a positive number, got ${weight}`);
    }
    this.nodeId = options.nodeId;
    this.advertised = options.advertise === undefined ? undefined : parseAdvertise(options.advertise, options.nodeId);
    this.credentials = serverCredentials(options.tls, options.nodeId);
    this.grpcServer = new grpc.Server({
      ...messageSizeOptions(options, `createServer(${options.nodeId})`),
      ...options.grpcOptions,
    });
    const limit = options.maxConcurrentCalls === undefined ? undefined : new ConcurrencyLimit(options.nodeId, options);
    this.limit = limit;
    const telemetry = options.telemetry?.server(options.nodeId);
    this.interceptors =
      telemetry === undefined ? [...(options.interceptors ?? [])] : [telemetry, ...(options.interceptors ?? [])];
    const onHandlerError =
      options.onHandlerError ??
      ((error: unknown, path: string) => console.error(`[switchboard] ${this.nodeId} ${path} handler failed:`, error));
    const watched = options.metrics
      ? metricsRecorder(options.metrics, `createServer(${options.nodeId})`).watchServer({
          nodeId: options.nodeId,
          methods: () => this.recorders.values(),
        })
      : undefined;
    this.record = watched?.record;
    this.unwatchMetrics = watched?.unwatch;
    this.loadReporter = options.loadReport === false ? undefined : new LoadReporter(options.loadReport?.intervalMs);
    const reporter = this.loadReporter;
    this.hooks = {
      interceptors: this.interceptors,
      deadlineMarginMs:
        options.deadlineMarginMs === undefined
          ? undefined
          : numberAtLeast(options.deadlineMarginMs, 0, `createServer(${options.nodeId})`, 'deadlineMarginMs'),
      begin: (ctx) => {
        this.live.add(ctx);
        ctx.joined = this.live.size;
        this.recorders.get(ctx.path)?.begin();
      },
      admit: limit && ((ctx, answerBy) => limit.admit(ctx, answerBy)),
      end: (ctx, code, latencyMs) => {
        this.live.delete(ctx);
        limit?.release(ctx);
        const recorder = this.recorders.get(ctx.path);
        recorder?.end(code, latencyMs);
        if (recorder !== undefined) this.record?.(recorder, this.nodeId, code, latencyMs);
      },
      beforeStatus:
        reporter === undefined
          ? () => {}
          : (ctx, ok) => {
              reporter.record(ok);
              ctx.trailer.set(ORCA_TRAILER, reporter.trailer(this.live.size - 1, ctx.joined));
            },
      reportLoad: (load) => this.reportLoad(load),
      onHandlerError,
    };
    this.identity = { nodeId: options.nodeId, zone: options.zone ?? '', weight, labels: options.labels ?? {} };
    this.registry = options.registry;
    this.reflection = options.reflection === false ? undefined : new ServerReflection();
    const services = () => [...this.services];
    this.register(Health, this.health.handlers(nodeInfoHeader(this.identity, services)), UNTRACKED);
    this.register(Node, nodeInfoHandlers(this.identity, services), UNTRACKED);
    for (const service of this.reflection?.services ?? [])
      this.register(service, this.reflection!.handlers(), UNTRACKED);
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

  stats(): ServerStats {
    return {
      nodeId: this.nodeId,
      inFlight: this.live.size,
      methods: [...this.recorders.values()].map((r) => r.stats()),
      ...(this.limit && { admission: this.limit.stats() }),
    };
  }

  reportLoad(load: AppLoad): void {
    this.loadReporter?.setAppLoad(load);
  }

  load(): LoadSnapshot | undefined {
    return this.loadReporter?.current();
  }

  use(interceptor: ServerInterceptor): this {
    if (this.state !== 'new') throw new Error(`use(): node ${this.nodeId} is already listening`);
    this.interceptors.push(interceptor);
    return this;
  }

  add<S extends ServiceDescriptor>(service: S, handlers: Handlers<S>): this {
    if (this.state !== 'new') throw new Error(`add(${service.name}): node ${this.nodeId} is already listening`);
    if (this.services.has(service.name))
      throw new Error(`service ${service.name} is already added to node ${this.nodeId}`);
    this.register(service, handlers, this.hooks);
    for (const method of Object.values(service.methods)) {
      this.recorders.set(method.path, new MethodRecorder(method));
    }
    this.services.add(service.name);
    this.health.set(service.name, 'SERVING');
    return this;
  }

  async listen(address: string): Promise<ListenResult> {
    if (this.state !== 'new') throw new Error(`node ${this.nodeId} is already listening`);
    const colon = address.lastIndexOf(':');
    const host = colon < 0 ? address : address.slice(0, colon);
    if (this.registry !== undefined) checkAnnounceable(host, this.advertised, this.nodeId);
    const port = await new Promise<number>((resolve, reject) =>
      this.grpcServer.bindAsync(address, this.credentials, (error, bound) =>
        error ? reject(new Error(`node ${this.nodeId} cannot listen on ${address}: ${error.message}`)) : resolve(bound),
      ),
    );
    this.state = 'listening';
    const announced = announcedAddress(host, port, this.advertised);
    await this.announce(announced);
    return { port, address: announced };
  }

  /** Registers the node at `address`; if it cannot, stops serving and says why. */
  private async announce(address: string): Promise<void> {
    if (this.registry === undefined) return;
    try {
      this.registration = await this.registry.register({ ...this.identity, address, services: [...this.services] });
    } catch (error) {
      this.grpcServer.forceShutdown();
      this.loadReporter?.close();
      this.state = 'closed';
      throw new Error(`node ${this.nodeId} cannot register at ${address}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  shutdown(options: ShutdownOptions = {}): Promise<void> {
    // A second call waits for the same drain rather than returning before it is done.
    this.stopping ??= this.drain(options);
    return this.stopping;
  }

  private async drain(options: ShutdownOptions): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closing';
    await this.registration?.deregister();
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
    this.loadReporter?.close();
    this.state = 'closed';
    this.unwatchMetrics?.();
  }

  private register(service: ServiceDescriptor, handlers: object, hooks: CallHooks): void {
    bindService(this.grpcServer, service, handlers, hooks);
    this.reflection?.add(service);
  }
}

/** Internal services (health, node info, reflection) are not counted as load nor cancelled by drain. */
const UNTRACKED: CallHooks = {
  interceptors: [],
  begin: () => {},
  end: () => {},
  beforeStatus: () => {},
  reportLoad: () => {},
  onHandlerError: (error, path) => console.error(`[switchboard] ${path} failed:`, error),
};

/** How long a draining node keeps serving after it said NOT_SERVING (at most half the grace). */
const DRAIN_NOTICE_MS = 250;
