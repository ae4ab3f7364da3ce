// The server side of the etcd registry: a node's keys under a lease kept alive, put back
// under a new lease when the lease is lost (etcd was away longer than the TTL, or restarted).
import type { Etcd3, Lease } from 'etcd3';
import { Backoff } from './backoff.js';
import type { Registration } from './registry.js';

const REVOKE_TIMEOUT_MS = 2000;

/** The keys of one node and the JSON value each holds. */
interface NodeKeys {
  readonly nodeId: string;
  readonly keys: readonly string[];
  readonly value: string;
}

/** Refused: another live node holds the id. */
class DuplicateNodeError extends Error {
  override readonly name = 'DuplicateNodeError';
}

/** Registers a node under a lease of `ttlS`; rejects with `DuplicateNodeError` if its id is taken. */
export async function registerNode(
  etcd: Etcd3,
  node: NodeKeys,
  ttlS: number,
  log: (message: string) => void,
): Promise<Registration> {
  const registration = new LeasedRegistration(etcd, node, ttlS, log);
  await registration.put();
  return registration;
}

class LeasedRegistration implements Registration {
  private lease: Lease | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly backoff = new Backoff();

  constructor(
    private readonly etcd: Etcd3,
    private readonly node: NodeKeys,
    private readonly ttlS: number,
    private readonly log: (message: string) => void,
  ) {}

  /** Grants a lease and puts every key under it, unless a key belongs to another node. */
  async put(): Promise<void> {
    const lease = this.etcd.lease(this.ttlS, { autoKeepAlive: true });
    try {
      const leaseId = await lease.grant();
      for (const key of this.node.keys) await this.claim(key, leaseId);
    } catch (error) {
      await lease.revoke({ deadline: Date.now() + REVOKE_TIMEOUT_MS }).catch(() => lease.release());
      throw error;
    }
    if (this.stopped) {
      await lease.revoke({ deadline: Date.now() + REVOKE_TIMEOUT_MS }).catch(() => lease.release());
      return;
    }
    this.lease = lease;
    lease.on('lost', (error) => this.onLost(lease, error));
  }

  async deregister(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const lease = this.lease;
    this.lease = undefined;
    // Revoking the lease deletes the node's keys at once; if etcd is away they expire with it.
    await lease?.revoke({ deadline: Date.now() + REVOKE_TIMEOUT_MS }).catch(() => lease.release());
  }

  /** Puts `key` if it is free or already ours (same value: our previous lease); throws if another node holds it. */
  private async claim(key: string, leaseId: string): Promise<void> {
    const created = await this.etcd
      .if(key, 'Create', '==', 0)
      .then(this.etcd.put(key).value(this.node.value).lease(leaseId))
      .else(this.etcd.get(key))
      .commit();
    if (created.succeeded) return;
    const holder = created.responses[0]?.response_range.kvs[0]?.value.toString() ?? '';
    if (holder !== this.node.value) {
      throw new DuplicateNodeError(
        `node id ${this.node.nodeId} is already registered by a live node (${key} = ${holder}); ` +
          'node ids must be unique',
      );
    }
    const moved = await this.etcd
      .if(key, 'Value', '==', holder)
      .then(this.etcd.put(key).value(this.node.value).lease(leaseId))
      .commit();
    if (!moved.succeeded) throw new Error(`${key} changed while node ${this.node.nodeId} re-registered`);
  }

  private onLost(lease: Lease, error: Error): void {
    if (this.stopped || this.lease !== lease) return;
    this.lease = undefined;
    this.log(`node ${this.node.nodeId}: etcd lease lost (${error.message}); registering again`);
    this.schedule();
  }

  private schedule(): void {
    this.retry = setTimeout(() => {
      this.put().then(
        () => {
          this.backoff.reset();
          if (!this.stopped) this.log(`node ${this.node.nodeId}: registered again`);
        },
        (error: Error) => {
          if (this.stopped) return;
          if (error instanceof DuplicateNodeError) this.log(error.message);
          this.schedule();
        },
      );
    }, this.backoff.delay());
  }
}
