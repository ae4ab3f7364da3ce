/**
 * Scatter-gather: one unary call to every ready node, each with its own
 * deadline, gathered into one result per node — successes and failures side by side, so
 * a slow or failed node costs its own entry, never the whole broadcast. Helpers turn the
 * results into a quorum (the k fastest successes) or a single aggregate.
 */
import { RpcError } from '../../common/rpc-error.js';
import { Status } from '../../common/status.js';
import type { BroadcastNode, BroadcastOptions, BroadcastResult, BroadcastSuccess } from '../api/broadcast-types.js';
import { unaryOn } from '../call/unary.js';
import type { ClientInternals } from './client-internals.js';
import { integerAtLeast } from '../../common/option-checks.js';

/** Calls `name` on every ready endpoint (waiting for one if none is); results in endpoint order. */
export async function broadcast(
  internals: ClientInternals,
  name: string,
  request: unknown,
  options: BroadcastOptions = {},
): Promise<BroadcastResult<unknown>[]> {
  const { method, codec, pipeline } = internals.method(name)!;
  const { set } = internals;
  if (!set.endpoints.some((e) => e.ready)) {
    await set.whenReady(false, Date.now() + (options.deadlineMs ?? pipeline.defaults.waitForReadyMs));
  }
  const ready = set.endpoints.filter((e) => e.ready);
  return Promise.all(
    ready.map(async (endpoint): Promise<BroadcastResult<unknown>> => {
      const node = { id: endpoint.id, address: endpoint.address };
      const started = performance.now();
      try {
        const value = await unaryOn(pipeline, endpoint, method, codec, request, options);
        return { node, ok: true, value, latencyMs: performance.now() - started };
      } catch (error) {
        return { node, ok: false, error: error as RpcError, latencyMs: performance.now() - started };
      }
    }),
  );
}

/**
 * The `k` fastest successful results (first k successes by latency); throws UNAVAILABLE,
 * naming each failed node and its status, when fewer than `k` nodes succeeded.
 */
export function quorum<T>(results: readonly BroadcastResult<T>[], k: number): BroadcastSuccess<T>[] {
  integerAtLeast(k, 1, 'quorum', 'k');
  const successes = results.filter((r): r is BroadcastSuccess<T> => r.ok).sort((a, b) => a.latencyMs - b.latencyMs);
  if (successes.length >= k) return successes.slice(0, k);
  const failures = results.flatMap((r) => (r.ok ? [] : [`${r.node.id}: ${r.error.codeName}`]));
  const why = failures.length > 0 ? `; ${failures.join(', ')}` : '';
  throw new RpcError(
    Status.UNAVAILABLE,
    `quorum of ${k} not reached: ${successes.length} of ${results.length} nodes succeeded${why}`,
  );
}

/** What {@link aggregate} returns: the folded value of the successes and what failed. */
export interface Aggregate<A> {
  readonly value: A;
  readonly succeeded: number;
  readonly failed: number;
  /** Failed nodes with their errors, in result order. */
  readonly errors: readonly { readonly node: BroadcastNode; readonly error: RpcError }[];
}

/** Folds the successful values with `reduce` (in result order) and lists the failures. */
export function aggregate<T, A>(
  results: readonly BroadcastResult<T>[],
  reduce: (total: A, value: T, node: BroadcastNode) => A,
  initial: A,
): Aggregate<A> {
  let value = initial;
  const errors: { node: BroadcastNode; error: RpcError }[] = [];
  for (const r of results) {
    if (r.ok) value = reduce(value, r.value, r.node);
    else errors.push({ node: r.node, error: r.error });
  }
  return { value, succeeded: results.length - errors.length, failed: errors.length, errors };
}
