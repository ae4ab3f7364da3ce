import * as grpc from '@grpc/grpc-js';
import { CompressionFilterFactory } from '@grpc/grpc-js/build/src/compression-filter.js';
import { EndpointCall } from './endpoint-call.js';

type Subchannel = grpc.experimental.SubchannelInterface;

let callNumber = 0;

/**
 * A grpc-js channel over one subchannel of a {@link ConnectionPool}: what `grpc.Client`
 * calls on for one endpoint. Every call goes to that subchannel (an {@link EndpointCall}),
 * with grpc-js' compression filter (framing, `compression`, message size limits) built
 * from the client's options; a call on a connection that is not READY fails at once with
 * UNAVAILABLE.
 */
export class EndpointChannel implements grpc.ChannelInterface {
  private readonly filters: grpc.experimental.FilterStackFactory;

  /**
   * @param authority what calls send as `:authority` (the endpoint's address, or the
   *   `grpc.default_authority` option).
   */
  constructor(
    private readonly subchannel: Subchannel,
    private readonly authority: string,
    options: grpc.ChannelOptions,
  ) {
    this.filters = new grpc.experimental.FilterStackFactory([new CompressionFilterFactory(this, options)]);
  }

  createCall(method: string, deadline: grpc.Deadline, host: string | null | undefined): EndpointCall {
    const at = deadline instanceof Date ? deadline.getTime() : deadline;
    return new EndpointCall(
      this.subchannel,
      method,
      host ?? this.authority,
      at,
      this.filters.createFilter(),
      callNumber++,
    );
  }

  getConnectivityState(): grpc.connectivityState {
    return this.subchannel.getConnectivityState();
  }

  watchConnectivityState(): void {
    throw new Error('an endpoint channel is not watched: its connection (Connection) follows the subchannel');
  }

  getTarget(): string {
    return this.authority;
  }

  getChannelzRef(): ReturnType<grpc.ChannelInterface['getChannelzRef']> {
    throw new Error('an endpoint channel has no channelz entry of its own (its subchannel has one)');
  }

  /** Nothing to release: the connection is the pool's (see ConnectionPool.release). */
  close(): void {}
}
