import { EventEmitter, once } from 'node:events';
import { RpcError } from '../common/rpc-error.js';
import { Status } from '../common/status.js';
import { Health, type HealthCheckResponse_ServingStatus } from '../gen/grpc/health/v1/health.js';
import type { MetadataInit } from '../common/metadata.js';
import type { Handlers } from './handler-types.js';

type ServingStatus = HealthCheckResponse_ServingStatus;

/**
 * The node's health as served by `grpc.health.v1.Health`: one status per service name,
 * `''` for the node as a whole. Watchers get the current status, then every change, and
 * their streams end when the node shuts down.
 */
export class HealthState {
  private readonly statuses = new Map<string, ServingStatus>([['', 'SERVING']]);
  private readonly changes = new EventEmitter();
  private readonly closing = new AbortController();

  constructor() {
    this.changes.setMaxListeners(0);
  }

  /** Sets the status of a service (`''` = the whole node). */
  set(service: string, status: ServingStatus): void {
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    this.changes.emit('change');
  }

  /** Marks every service and the node NOT_SERVING (drain). */
  setAllNotServing(): void {
    for (const service of this.statuses.keys()) this.set(service, 'NOT_SERVING');
  }

  /** Ends every Watch stream. */
  close(): void {
    this.closing.abort();
  }

  /**
   * The handlers of the `grpc.health.v1.Health` service over this state; every Watch
   * stream opens with `headers` (the node's identity).
   */
  handlers(headers: () => MetadataInit): Handlers<typeof Health> {
    return {
      check: ({ service }) => {
        const status = this.statuses.get(service);
        if (status === undefined) throw new RpcError(Status.NOT_FOUND, `unknown service ${service}`);
        return { status };
      },
      watch: (request, ctx) => {
        ctx.sendHeader(headers());
        return this.watch(request.service, AbortSignal.any([ctx.signal, this.closing.signal]));
      },
    };
  }

  private async *watch(service: string, signal: AbortSignal) {
    let last: ServingStatus | undefined;
    for (;;) {
      const status = this.statuses.get(service) ?? 'SERVICE_UNKNOWN';
      if (status !== last) {
        last = status;
        yield { status };
      }
      if (signal.aborted) return;
      // Aborted (caller gone or node closing): loop once more to send the final status.
      await once(this.changes, 'change', { signal }).catch(() => {});
    }
  }
}

export { Health };
