import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { statusName } from '../common/status.js';
import { type HttpEndpoint, type HttpListenOptions, listenHttp } from './http-listen.js';

/**
 * Prometheus metrics of clients and server nodes, with the names of go-grpc-prometheus /
 * grpc-ecosystem (`grpc_client_handled_total`, `grpc_server_handling_seconds`, ...) plus a
 * `node` label. Opt-in: give the same `Metrics` to `createClient({ metrics })` and
 * `createServer({ metrics })`; without it nothing is recorded.
 */
export interface Metrics {
  /** The prom-client registry holding the metrics (mount `registry.metrics()` in your own HTTP server). */
  readonly registry: Registry;
  /** The exposition text, as a scrape would get it. */
  text(): Promise<string>;
  /** Serves `GET /metrics` on `host:port` (default 127.0.0.1, port 0 = any free port). */
  serve(options?: HttpListenOptions): Promise<HttpEndpoint>;
}

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Register into this registry (e.g. prom-client's global `register`) instead of a new one. */
  readonly registry?: Registry;
}

/** The shape of a method for the `grpc_type` label. */
interface MethodShape {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

type ClientNode = {
  readonly id: string;
  readonly inFlight: number;
  readonly calls: number;
  /** Hedges sent to the node, and those that answered first. */
  readonly hedges: number;
  readonly hedgesWon: number;
};
type ServerMethod = MethodShape & { readonly inFlight: number; readonly calls: number };

/** What a client lets the metrics read at scrape time. */
interface ClientMetricsSource {
  readonly service: string;
  nodes(): Iterable<ClientNode>;
}

/** What a server node lets the metrics read at scrape time. */
interface ServerMetricsSource {
  readonly nodeId: string;
  methods(): Iterable<ServerMethod>;
}

/** Records one finished attempt / handled call; bound to a client or a node. */
export type CallRecorder = (method: MethodShape, node: string, code: number, latencyMs: number) => void;

const CALL_LABELS = ['grpc_type', 'grpc_service', 'grpc_method', 'node'] as const;
const HANDLED_LABELS = ['grpc_type', 'grpc_service', 'grpc_method', 'grpc_code', 'node'] as const;

/** Creates the metrics; pass them to clients and servers, then `serve()` or mount `registry`. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  return new PrometheusMetrics(options.registry ?? new Registry());
}

/** The recorder behind a {@link Metrics}; a TypeError naming `where` for anything else. */
export function metricsRecorder(metrics: Metrics, where: string): PrometheusMetrics {
  if (!(metrics instanceof PrometheusMetrics)) throw new TypeError(`${where}: metrics must come from createMetrics()`);
  return metrics;
}

/** The implementation of {@link Metrics}, with what clients and servers use to report to it. */
class PrometheusMetrics implements Metrics {
  private readonly clients = new Set<ClientMetricsSource>();
  private readonly servers = new Set<ServerMetricsSource>();
  private readonly clientHandled: Counter<(typeof HANDLED_LABELS)[number]>;
  private readonly clientSeconds: Histogram<(typeof CALL_LABELS)[number]>;
  private readonly serverHandled: Counter<(typeof HANDLED_LABELS)[number]>;
  private readonly serverSeconds: Histogram<(typeof CALL_LABELS)[number]>;

  constructor(readonly registry: Registry) {
    const registers = [registry];
    // Gauges and counters the stats already keep are read at scrape time, not on the call path.
    const eachClientNode = (visit: (labels: { grpc_service: string; node: string }, node: ClientNode) => void) => {
      for (const client of this.clients)
        for (const node of client.nodes()) visit({ grpc_service: client.service, node: node.id }, node);
    };
    const eachServerMethod = (visit: (labels: ReturnType<typeof callLabels>, method: ServerMethod) => void) => {
      for (const server of this.servers)
        for (const method of server.methods()) visit(callLabels(method, server.nodeId), method);
    };
    this.clientHandled = new Counter({
      name: 'grpc_client_handled_total',
      help: 'Attempts completed by the client, by node and status code (a retried call counts once per attempt).',
      labelNames: HANDLED_LABELS,
      registers,
    });
    this.clientSeconds = new Histogram({
      name: 'grpc_client_handling_seconds',
      help: 'Latency of completed attempts as seen by the client, by node.',
      labelNames: CALL_LABELS,
      registers,
    });
    new Gauge({
      name: 'grpc_client_in_flight',
      help: 'Calls and streams in flight from clients to each node.',
      labelNames: ['grpc_service', 'node'],
      registers,
      collect() {
        this.reset();
        eachClientNode((labels, node) => this.inc(labels, node.inFlight));
      },
    });
    new Counter({
      name: 'switchboard_client_picks_total',
      help: 'Attempts the balancer sent to each node (completed and in flight).',
      labelNames: ['grpc_service', 'node'],
      registers,
      collect() {
        this.reset();
        eachClientNode((labels, node) => this.inc(labels, node.calls + node.inFlight));
      },
    });
    new Counter({
      name: 'switchboard_client_hedges_total',
      help: 'Hedges the client sent to each node (attempts after the first of a hedged call).',
      labelNames: ['grpc_service', 'node'],
      registers,
      collect() {
        this.reset();
        eachClientNode((labels, node) => this.inc(labels, node.hedges));
      },
    });
    new Counter({
      name: 'switchboard_client_hedges_won_total',
      help: 'Hedges sent to each node that answered first (the call took their answer).',
      labelNames: ['grpc_service', 'node'],
      registers,
      collect() {
        this.reset();
        eachClientNode((labels, node) => this.inc(labels, node.hedgesWon));
      },
    });
    this.serverHandled = new Counter({
      name: 'grpc_server_handled_total',
      help: 'Calls handled by the node to the end, by status code.',
      labelNames: HANDLED_LABELS,
      registers,
    });
    this.serverSeconds = new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Handling time of calls on the node (handler start to end).',
      labelNames: CALL_LABELS,
      registers,
    });
    new Counter({
      name: 'grpc_server_started_total',
      help: 'Calls started on the node.',
      labelNames: CALL_LABELS,
      registers,
      collect() {
        this.reset();
        eachServerMethod((labels, method) => this.inc(labels, method.calls + method.inFlight));
      },
    });
    new Gauge({
      name: 'grpc_server_in_flight',
      help: 'Calls being handled by the node now.',
      labelNames: CALL_LABELS,
      registers,
      collect() {
        this.reset();
        eachServerMethod((labels, method) => this.inc(labels, method.inFlight));
      },
    });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  serve(options: HttpListenOptions = {}): Promise<HttpEndpoint> {
    return listenHttp(
      async (path) => (path === '/metrics' ? { type: this.registry.contentType, body: await this.text() } : undefined),
      options,
    );
  }

  /** Follows a client: its per-node gauges are read at scrape time; returns its recorder and an unwatch function. */
  watchClient(source: ClientMetricsSource): { readonly record: CallRecorder; readonly unwatch: () => void } {
    this.clients.add(source);
    return { record: recorder(this.clientHandled, this.clientSeconds), unwatch: () => this.clients.delete(source) };
  }

  /** Follows a server node, like {@link watchClient}. */
  watchServer(source: ServerMetricsSource): { readonly record: CallRecorder; readonly unwatch: () => void } {
    this.servers.add(source);
    return { record: recorder(this.serverHandled, this.serverSeconds), unwatch: () => this.servers.delete(source) };
  }
}

/**
 * A recorder that keeps the labelled children per (method, node, code), so a call costs a
 * map lookup, not label hashing.
 */
function recorder(handled: Counter<string>, seconds: Histogram<string>): CallRecorder {
  const children = new Map<
    string,
    { readonly handled: Counter.Internal; readonly seconds: Histogram.Internal<string> }
  >();
  return (method, node, code, latencyMs) => {
    const key = `${method.path}\0${node}\0${code}`;
    let child = children.get(key);
    if (child === undefined) {
      const labels = callLabels(method, node);
      child = {
        handled: handled.labels({ ...labels, grpc_code: statusName(code) }),
        seconds: seconds.labels(labels),
      };
      children.set(key, child);
    }
    child.handled.inc();
    child.seconds.observe(latencyMs / 1000);
  };
}

function callLabels(method: MethodShape, node: string) {
  const slash = method.path.lastIndexOf('/');
  return {
    grpc_type: method.requestStream
      ? method.responseStream
        ? 'bidi_stream'
        : 'client_stream'
      : method.responseStream
        ? 'server_stream'
        : 'unary',
    grpc_service: method.path.slice(1, slash),
    grpc_method: method.path.slice(slash + 1),
    node,
  };
}
