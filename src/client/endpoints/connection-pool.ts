import * as grpc from '@grpc/grpc-js';
import { mapProxyName } from '@grpc/grpc-js/build/src/http_proxy.js';
import { Subchannel } from '@grpc/grpc-js/build/src/subchannel.js';
import { Http2SubchannelConnector } from '@grpc/grpc-js/build/src/transport.js';
import { parseAddress } from '../../common/address.js';
import { EndpointChannel } from './endpoint-channel.js';

/** One connection: its subchannel and the grpc-js client that calls on it. */
export interface Line {
  readonly subchannel: Subchannel;
  readonly client: grpc.Client;
}

const INSECURE = grpc.credentials.createInsecure();

/**
 * Every connection of one client, each a grpc-js subchannel of its own: the connection
 * alone (HTTP/2 session, reconnect backoff, keepalive), with no channel around it. A channel
 * per endpoint cost each endpoint a resolver, a load-balancing tree, a subchannel pool, a
 * filter stack and their channelz records (18.8 KB of heap at 1,000 endpoints, against
 * 10.9 KB for all of a `round_robin` channel's per-address state). Subchannels made through
 * one channel cost less, but that channel's subchannel pool keeps them in one list per
 * channel, searched on every new one: 30 ms of a 1,000-endpoint client's start-up, growing
 * with the square of the count. Switchboard's balancer picks the endpoint, and its call
 * goes straight to that endpoint's subchannel (endpoint-channel.ts, endpoint-call.ts).
 */
export class ConnectionPool {
  /** What every subchannel is given: the client's channel options, over Switchboard's reconnect backoff. */
  private readonly subchannelOptions: grpc.ChannelOptions;
  /** What grpc-js' `Client` takes of the options (interceptors), for the clients of every connection. */
  private readonly clientOptions: grpc.ClientOptions;
  /** The open connections, told of a longer keepalive interval when one of them is. */
  private readonly live = new Set<Subchannel>();
  /** The keepalive interval every new connection starts with, ms (-1: no pings, grpc-js' convention). */
  private keepaliveMs: number;
  /**
   * A node that answers keepalive pings with GOAWAY `too_many_pings` makes its subchannel
   * double its interval; as a grpc-js channel does, every connection of the client follows.
   */
  private readonly keepaliveListener = (_s: unknown, _from: unknown, _next: unknown, keepaliveMs: number) => {
    if (keepaliveMs <= this.keepaliveMs) return;
    this.keepaliveMs = keepaliveMs;
    for (const subchannel of this.live) subchannel.throttleKeepalive(keepaliveMs);
  };

  constructor(
    private readonly credentials: grpc.ChannelCredentials,
    options: grpc.ChannelOptions,
  ) {
    // What a grpc-js Client takes goes to each connection's Client, not to its subchannel.
    const {
      interceptors,
      interceptor_providers,
      callInvocationTransformer,
      channelOverride: _channel,
      channelFactoryOverride: _factory,
      ...channelOptions
    } = options as grpc.ClientOptions;
    this.clientOptions = { interceptors, interceptor_providers, callInvocationTransformer };
    this.subchannelOptions = {
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 5000,
      ...channelOptions,
    };
    this.keepaliveMs = Number(channelOptions['grpc.keepalive_time_ms'] ?? -1);
  }

  /**
   * A new connection to `address` (`host:port`), its own until {@link ConnectionPool.release};
   * `host` may be a name (Node resolves it on every connection attempt).
   */
  open(address: string): Line {
    const node = socketAddress(address, 'endpoint');
    // grpc-js' own rule (grpc_proxy / https_proxy / http_proxy, no_proxy): dial the proxy, CONNECT to the node.
    const proxied = mapProxyName({ scheme: 'dns', path: address }, this.subchannelOptions);
    const dial = proxied.target.path === address ? node : socketAddress(proxied.target.path, 'proxy');
    const options: grpc.ChannelOptions = {
      // TLS checks each node's certificate against its own host, unless a server name is set.
      'grpc.ssl_target_name_override': node.host,
      ...this.subchannelOptions,
      ...proxied.extraOptions,
    };
    const subchannel = new Subchannel(
      proxied.target,
      dial,
      options,
      this.credentials,
      new Http2SubchannelConnector(proxied.target),
    );
    subchannel.throttleKeepalive(this.keepaliveMs);
    subchannel.addConnectivityStateListener(this.keepaliveListener);
    subchannel.ref();
    this.live.add(subchannel);
    const authority = String(options['grpc.default_authority'] ?? address);
    const channel = new EndpointChannel(subchannel, authority, options);
    // The credentials are the subchannel's; a Client given a channel has none of its own.
    return {
      subchannel,
      client: new grpc.Client(address, INSECURE, { ...this.clientOptions, channelOverride: channel }),
    };
  }

  /**
   * Lets go of a connection from {@link ConnectionPool.open}: it takes no new call, and its
   * HTTP/2 session closes once the calls on it have ended (an attempt still connecting is
   * dropped when it completes).
   */
  release(line: Line): void {
    line.subchannel.removeConnectivityStateListener(this.keepaliveListener);
    this.live.delete(line.subchannel);
    line.subchannel.unref();
  }
}

/** `host:port` as a subchannel dials it: an IPv6 host without its brackets. */
function socketAddress(address: string, where: string): { host: string; port: number } {
  const { host, port } = parseAddress(address, where);
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port };
}
