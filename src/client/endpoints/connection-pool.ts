import * as grpc from '@grpc/grpc-js';
import { mapProxyName } from '@grpc/grpc-js/build/src/http_proxy.js';
import { parseAddress } from '../../common/address.js';
import { EndpointChannel } from './endpoint-channel.js';

type Helper = grpc.experimental.ChannelControlHelper;
type Subchannel = grpc.experimental.SubchannelInterface;

/** One connection: its subchannel and the grpc-js client that calls on it. */
export interface Line {
  readonly subchannel: Subchannel;
  readonly client: grpc.Client;
}

/** The channel option that tells the pool's load-balancing policy which pool it serves. */
const POOL_OPTION = 'switchboard.connection_pool';
/** The subchannel option that makes a replacement connection a new subchannel (grpc-js reuses equal ones). */
const INCARNATION_OPTION = 'switchboard.incarnation';
const SCHEME = 'switchboard-pool';
const POLICY = 'switchboard_pool';

/** The pools waiting for their channel's policy, by id. */
const waiting = new Map<string, ConnectionPool>();
let nextPool = 0;
let registered = false;
const INSECURE = grpc.credentials.createInsecure();

/**
 * Every connection of one client, as subchannels of one grpc-js channel. A channel per
 * endpoint cost each endpoint a resolver, a load-balancing tree, a subchannel pool, a
 * filter stack and their channelz records (18.8 KB of heap at 1,000 endpoints, against
 * 10.9 KB for all of a `round_robin` channel's per-address state); a subchannel is the
 * connection alone. grpc-js makes subchannels only for a load-balancing policy, so the
 * pool's channel runs a policy of ours that hands its control helper to the pool and
 * routes nothing: Switchboard's balancer picks the endpoint, and its call goes straight
 * to that endpoint's subchannel (endpoint-channel.ts, endpoint-call.ts).
 */
export class ConnectionPool {
  private readonly channel: grpc.Channel;
  private helper: Helper | undefined;
  private channelOptions: grpc.ChannelOptions = {};
  private incarnation = 0;
  /** What grpc-js' `Client` takes of the options (interceptors), for the clients of every connection. */
  private readonly clientOptions: grpc.ClientOptions;
  /** The client's options as given: whether and how each connection goes through an HTTP proxy. */
  private readonly proxyOptions: grpc.ChannelOptions;

  /** @param service names the pool's channel (in channelz). */
  constructor(service: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions) {
    registerPolicy();
    const id = String(nextPool++);
    waiting.set(id, this);
    const { interceptors, interceptor_providers, callInvocationTransformer } = options as grpc.ClientOptions;
    this.clientOptions = { interceptors, interceptor_providers, callInvocationTransformer };
    this.proxyOptions = options;
    this.channel = new grpc.Channel(`${SCHEME}:${service}`, credentials, {
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 5000,
      ...options,
      'grpc.use_local_subchannel_pool': 1,
      // The pool's own target is not an address: each connection is proxied or not by itself (open()).
      'grpc.enable_http_proxy': 0,
      'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ [POLICY]: {} }] }),
      [POOL_OPTION]: id,
    });
    // Runs the resolver and the policy at once (both answer synchronously).
    this.channel.getConnectivityState(true);
    waiting.delete(id);
    if (this.helper === undefined) throw new Error('switchboard: the connection pool policy did not start');
  }

  /**
   * A new connection to `address` (`host:port`), referenced until {@link ConnectionPool.release};
   * `host` may be a name (Node resolves it on every connection attempt). Each call makes a
   * distinct subchannel, so an abandoned attempt is never handed back.
   */
  open(address: string): Line {
    const node = socketAddress(address, 'endpoint');
    // grpc-js' own rule (grpc_proxy / https_proxy / http_proxy, no_proxy): dial the proxy, CONNECT to the node.
    const proxied = mapProxyName({ scheme: 'dns', path: address }, this.proxyOptions);
    const dial = proxied.target.path === address ? node : socketAddress(proxied.target.path, 'proxy');
    const options: grpc.ChannelOptions = {
      // TLS checks each node's certificate against its own host, unless a server name is set.
      'grpc.ssl_target_name_override': node.host,
      ...this.channelOptions,
      ...proxied.extraOptions,
      [INCARNATION_OPTION]: this.incarnation++,
    };
    const subchannel = this.helper!.createSubchannel(dial, options);
    subchannel.ref();
    const authority = String(options['grpc.default_authority'] ?? address);
    const channel = new EndpointChannel(subchannel, authority, options);
    // The credentials are the pool channel's; a Client given a channel has none of its own.
    return {
      subchannel,
      client: new grpc.Client(address, INSECURE, { ...this.clientOptions, channelOverride: channel }),
    };
  }

  /** Drops a connection from {@link ConnectionPool.open}. */
  release(line: Line): void {
    line.subchannel.unref();
  }

  close(): void {
    this.channel.close();
  }

  /** Called by the pool's policy once, with the channel's options. */
  attach(helper: Helper, channelOptions: grpc.ChannelOptions): void {
    this.helper ??= helper;
    const {
      [POOL_OPTION]: _id,
      'grpc.service_config': _config,
      'grpc.enable_http_proxy': _proxy,
      ...rest
    } = channelOptions;
    this.channelOptions = rest;
  }
}

/** `host:port` as a subchannel dials it: an IPv6 host without its brackets. */
function socketAddress(address: string, where: string): { host: string; port: number } {
  const { host, port } = parseAddress(address, where);
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port };
}

/** Resolves a pool's target to nothing: its policy makes the subchannels. */
class PoolResolver implements grpc.experimental.Resolver {
  static getDefaultAuthority(target: grpc.experimental.GrpcUri): string {
    return target.path;
  }

  constructor(
    _target: grpc.experimental.GrpcUri,
    private readonly listener: grpc.experimental.ResolverListener,
    _options: grpc.ChannelOptions,
  ) {}

  updateResolution(): void {
    this.listener({ ok: true, value: [] }, {}, null, '');
  }

  destroy(): void {}
}

/** The policy of a pool's channel: gives the pool its control helper, routes no call. */
class PoolPolicy implements grpc.experimental.LoadBalancer {
  constructor(private readonly helper: Helper) {}

  updateAddressList(
    _endpoints: unknown,
    _config: grpc.experimental.TypedLoadBalancingConfig,
    options: grpc.ChannelOptions,
  ): boolean {
    waiting.get(String(options[POOL_OPTION]))?.attach(this.helper, options);
    return true;
  }

  exitIdle(): void {}
  resetBackoff(): void {}
  /** The channel went idle or closed; the subchannels stay with their pool until released. */
  destroy(): void {}

  getTypeName(): string {
    return POLICY;
  }
}

class PoolPolicyConfig implements grpc.experimental.TypedLoadBalancingConfig {
  static createFromJson(): PoolPolicyConfig {
    return new PoolPolicyConfig();
  }

  getLoadBalancerName(): string {
    return POLICY;
  }

  toJsonObject(): object {
    return { [POLICY]: {} };
  }
}

function registerPolicy(): void {
  if (registered) return;
  registered = true;
  grpc.experimental.registerResolver(SCHEME, PoolResolver);
  grpc.experimental.registerLoadBalancerType(POLICY, PoolPolicy, PoolPolicyConfig);
}
