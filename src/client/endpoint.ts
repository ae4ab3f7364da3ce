import * as grpc from '@grpc/grpc-js';
import type { Endpoint, LoadReport } from '../balancer/balancer.js';
import { Status } from '../common/status.js';
import { Node, type NodeInfo } from '../gen/switchboard/v1/node.js';
import { LatencyHistogram } from '../observability/latency-histogram.js';
import { methodCodec } from '../schema/codec.js';
import type { EndpointState, EndpointStats } from './client-stats.js';
import { PeakEwma } from './peak-ewma.js';

/** An endpoint as configured: an address, optionally with attributes that override the node's. */
export interface EndpointConfig {
  /** `host:port`, e.g. `127.0.0.1:50051` or `[::1]:50051`. */
  readonly address: string;
  /** Overrides the weight the node announces. */
  readonly weight?: number;
  /** Overrides the id the node announces. */
  readonly id?: string;
  readonly zone?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

const INFO_TIMEOUT_MS = 2000;
const infoMethod = Node.methods.info;
const infoCodec = methodCodec(Node, infoMethod);

const STATE_NAMES: Record<grpc.connectivityState, EndpointState> = {
  [grpc.connectivityState.IDLE]: 'idle',
  [grpc.connectivityState.CONNECTING]: 'connecting',
  [grpc.connectivityState.READY]: 'connecting',
  [grpc.connectivityState.TRANSIENT_FAILURE]: 'failing',
  [grpc.connectivityState.SHUTDOWN]: 'closed',
};

/**
 * One node as the client holds it: its own grpc-js channel (its own HTTP/2 connection),
 * its identity (learnt from `switchboard.v1.Node/Info` once connected), and live load
 * (in-flight calls, peak-EWMA latency, latency histogram). It is offered to the balancer
 * only while `ready`: connected and identified.
 */
export class ClientEndpoint implements Endpoint {
  readonly address: string;
  readonly grpcClient: grpc.Client;
  id: string;
  weight: number;
  zone: string;
  labels: Readonly<Record<string, string>>;
  inFlight = 0;
  load: LoadReport | undefined = undefined;
  /** Connected and identified: may be picked. */
  ready = false;
  calls = 0;
  failures = 0;
  private readonly ewma = new PeakEwma();
  private readonly latency = new LatencyHistogram();
  private config: EndpointConfig;
  private announced: NodeInfo | undefined;
  private state: EndpointState = 'connecting';
  private closed = false;

  constructor(
    config: EndpointConfig,
    grpcOptions: grpc.ChannelOptions,
    private readonly onChange: () => void,
  ) {
    this.config = config;
    this.address = config.address;
    this.id = config.id ?? config.address;
    this.weight = config.weight ?? 1;
    this.zone = config.zone ?? '';
    this.labels = config.labels ?? {};
    this.grpcClient = new grpc.Client(config.address, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 5000,
      ...grpcOptions,
    });
    this.watch();
  }

  get ewmaLatencyMs(): number {
    return this.ewma.value;
  }

  /** Connection state, as shown in stats. */
  get connectionState(): EndpointState {
    return this.ready ? 'ready' : this.state;
  }

  /** An attempt starts on this endpoint. */
  begin(): void {
    this.inFlight++;
  }

  /** An attempt on this endpoint ended with `code` after `latencyMs`. */
  end(code: number, latencyMs: number): void {
    this.inFlight--;
    this.calls++;
    if (code !== Status.OK) this.failures++;
    this.latency.record(latencyMs);
    this.ewma.observe(latencyMs);
  }

  stats(totalCalls: number): EndpointStats {
    return {
      id: this.id,
      address: this.address,
      zone: this.zone,
      weight: this.weight,
      state: this.connectionState,
      calls: this.calls,
      failures: this.failures,
      inFlight: this.inFlight,
      share: totalCalls === 0 ? 0 : this.calls / totalCalls,
      latencyMs: this.latency.summary(),
      ewmaLatencyMs: this.ewma.value,
    };
  }

  /** Takes a new config for the same address (a resolver update); true if an attribute changed. */
  reconfigure(config: EndpointConfig): boolean {
    this.config = config;
    return this.adopt(this.announced);
  }

  close(): void {
    this.closed = true;
    this.setReady(false);
    this.state = 'closed';
    this.grpcClient.close();
  }

  private watch(): void {
    if (this.closed) return;
    const channel = this.grpcClient.getChannel();
    const state = channel.getConnectivityState(true);
    this.state = STATE_NAMES[state];
    if (state === grpc.connectivityState.READY) this.identify();
    else this.setReady(false);
    channel.watchConnectivityState(state, Number.POSITIVE_INFINITY, () => this.watch());
  }

  /** Asks the node who it is; a server that is not a Switchboard node keeps the configured identity. */
  private identify(): void {
    this.grpcClient.makeUnaryRequest(
      infoMethod.path,
      infoCodec.serializeRequest,
      infoCodec.deserializeResponse,
      {},
      new grpc.Metadata(),
      { deadline: Date.now() + INFO_TIMEOUT_MS },
      (error, info) => {
        if (this.closed) return;
        if (error && error.code !== Status.UNIMPLEMENTED) {
          // Connected but unable to answer yet (e.g. the connection dropped again): the
          // connectivity watch will call us again on the next READY.
          if (this.grpcClient.getChannel().getConnectivityState(false) !== grpc.connectivityState.READY) return;
        }
        const changed = !error && this.adopt(info as NodeInfo);
        const ready = this.grpcClient.getChannel().getConnectivityState(false) === grpc.connectivityState.READY;
        if (changed && ready && this.ready) this.onChange();
        else this.setReady(ready);
      },
    );
  }

  /** Takes the node's announced identity where the config does not override it; true if it changed. */
  private adopt(info: NodeInfo | undefined): boolean {
    this.announced = info;
    const before = `${this.id}|${this.weight}|${this.zone}|${JSON.stringify(this.labels)}`;
    this.id = this.config.id ?? (info?.nodeId || this.address);
    this.weight = this.config.weight ?? (info !== undefined && info.weight > 0 ? info.weight : 1);
    this.zone = this.config.zone ?? info?.zone ?? '';
    this.labels = this.config.labels ?? info?.labels ?? {};
    return before !== `${this.id}|${this.weight}|${this.zone}|${JSON.stringify(this.labels)}`;
  }

  private setReady(ready: boolean): void {
    if (this.ready === ready) return;
    this.ready = ready;
    this.onChange();
  }
}
