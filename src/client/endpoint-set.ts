import type * as grpc from '@grpc/grpc-js';
import type { Balancer, PickContext } from '../balancer/balancer.js';
import { RpcError } from '../common/rpc-error.js';
import { Status } from '../common/status.js';
import { ClientEndpoint, type EndpointConfig } from './endpoint.js';

/**
 * The endpoints of one client. It keeps the balancer's view equal to the READY endpoints
 * and lets calls wait for one (like grpc's `waitForReady`) when none is ready yet.
 */
export class EndpointSet {
  readonly endpoints: readonly ClientEndpoint[];
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly service: string,
    configs: readonly EndpointConfig[],
    private readonly balancer: Balancer,
    grpcOptions: grpc.ChannelOptions,
  ) {
    this.balancer.update([]);
    this.endpoints = configs.map((config) => new ClientEndpoint(config, grpcOptions, () => this.refresh()));
  }

  /** A pick right now, or undefined if the balancer has nothing ready. */
  pick(call: PickContext): ClientEndpoint | undefined {
    return this.balancer.pick(call) as ClientEndpoint | undefined;
  }

  /** Waits for a pick until `deadline` (ms since epoch) or `signal`; then UNAVAILABLE / CANCELLED. */
  async waitForPick(call: PickContext, deadline: number, signal: AbortSignal | undefined): Promise<ClientEndpoint> {
    for (;;) {
      const endpoint = this.pick(call);
      if (endpoint !== undefined) return endpoint;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw this.noEndpointError(call);
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          this.waiters.delete(wake);
          resolve();
        };
        const onAbort = () => {
          wake();
          reject(new RpcError(Status.CANCELLED, 'call cancelled while waiting for a ready endpoint', undefined, { path: call.path }));
        };
        const timer = setTimeout(wake, remaining);
        this.waiters.add(wake);
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  close(): void {
    for (const endpoint of this.endpoints) endpoint.close();
  }

  private refresh(): void {
    this.balancer.update(this.endpoints.filter((endpoint) => endpoint.ready));
    for (const wake of [...this.waiters]) wake();
  }

  private noEndpointError(call: PickContext): RpcError {
    const seen = this.endpoints.map((e) => `${e.address} ${e.connectionState}`).join(', ');
    const tried = call.tried.length > 0 ? `; attempts went to ${call.tried.map((e) => e.id).join(', ')}` : '';
    return new RpcError(
      Status.UNAVAILABLE,
      `no ready endpoint for ${this.service} (endpoints: ${seen}${tried})`,
      undefined,
      { path: call.path },
    );
  }
}
