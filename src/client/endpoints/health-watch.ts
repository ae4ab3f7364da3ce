import * as grpc from '@grpc/grpc-js';
import { Status } from '../../common/status.js';
import { Health, type HealthCheckResponse } from '../../gen/grpc/health/v1/health.js';
import { methodCodec } from '../../schema/codec.js';
import type { NodeInfo } from '../../gen/switchboard/v1/node.js';
import { type ChannelCall, startChannelCall } from './channel-call.js';
import { identityFromHeaders } from './node-identity.js';

const watchMethod = Health.methods.watch;
const watchCodec = methodCodec(Health, watchMethod);
const RESTART_DELAY_MS = 1000;
/** The encoded watch request per service name, the same bytes for every endpoint's stream. */
const watchRequests = new Map<string, Buffer>();

function watchRequest(service: string): Buffer {
  let bytes = watchRequests.get(service);
  if (bytes === undefined) {
    bytes = watchCodec.serializeRequest({ service });
    watchRequests.set(service, bytes);
  }
  return bytes;
}

/**
 * Who the node said it is on a watch stream: its identity (a Switchboard node), `'ask'`
 * where the stream could not say (headers without it, or an end before any headers: ask
 * Node/Info), `'none'` for a node without the health service (not a Switchboard node).
 */
export type HeardIdentity = NodeInfo | 'ask' | 'none';

/** What a health watch tells its endpoint. */
export interface HealthEvents {
  /** Whether the node serves the service (a node without the health service counts as serving). */
  status(serving: boolean): void;
  /** Once per stream, from its headers or, without any, its end. */
  identity(heard: HeardIdentity): void;
}

/**
 * Follows one node's `grpc.health.v1.Health/Watch` for one service over the endpoint's
 * channel and reports whether the node serves it. A node without the health service
 * (UNIMPLEMENTED) counts as serving: the client then relies on connectivity and ejection;
 * one that does not know the service follows the node's overall status (`''`).
 * A stream that breaks while the connection is up is opened again after a second (not
 * after UNIMPLEMENTED: the next connection asks again). Each stream also says who the node
 * is (see {@link HeardIdentity}).
 */
export class HealthWatch {
  private call: ChannelCall | undefined;
  private restart: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    /** The endpoint's current channel (it may be replaced after a connect timeout). */
    private readonly client: () => grpc.Client,
    private service: string,
    private readonly events: HealthEvents,
  ) {}

  /** Starts watching (again); call when the connection becomes READY. */
  start(): void {
    this.stop();
    this.running = true;
    const channel = this.client().getChannel();
    let heard = false;
    const hear = (identity: HeardIdentity) => {
      if (heard) return;
      heard = true;
      this.events.identity(identity);
    };
    const call: ChannelCall = startChannelCall(
      channel,
      watchMethod.path,
      watchCodec,
      watchRequest(this.service),
      Infinity,
      {
        onHeaders: (headers) => {
          if (this.call === call) hear(identityFromHeaders(headers) ?? 'ask');
        },
        onMessage: (response: HealthCheckResponse) => {
          if (this.call !== call) return;
          if (response.status === 'SERVICE_UNKNOWN' && this.service !== '') {
            // The node keeps no health for this service (not a Switchboard node, or an
            // internal service): follow the node's overall health instead.
            this.service = '';
            this.start();
            return;
          }
          this.events.status(response.status === 'SERVING');
        },
        onStatus: (status) => {
          if (this.call !== call) return;
          if (status.code === Status.UNIMPLEMENTED) {
            // The node is asked again only on its next connection.
            this.call = undefined;
            hear('none');
            this.events.status(true);
            return;
          }
          hear('ask');
          this.scheduleRestart();
        },
      },
    );
    this.call = call;
  }

  /** Stops watching; call when the connection is lost or the endpoint closes. */
  stop(): void {
    this.running = false;
    clearTimeout(this.restart);
    const call = this.call;
    this.call = undefined;
    call?.cancel();
  }

  private scheduleRestart(): void {
    this.call = undefined;
    if (!this.running) return;
    clearTimeout(this.restart);
    this.restart = setTimeout(() => {
      if (this.running && this.client().getChannel().getConnectivityState(false) === grpc.connectivityState.READY)
        this.start();
    }, RESTART_DELAY_MS);
    this.restart.unref();
  }
}
