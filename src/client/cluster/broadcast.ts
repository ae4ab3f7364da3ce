/**
 * Scatter-gather (DESIGN §8): one unary call to every ready node, each with its own
 * deadline, gathered into one result per node — successes and failures side by side, so
 * a slow or failed node costs its own entry, never the whole broadcast. Helpers turn the
 * results into a quorum (the k fastest successes) or a single aggregate.
 */
import { RpcError } from '../../common/rpc-error.js';
import { Status } from '../../common/status.js';
import type { MethodDescriptor, ServiceDescriptor } from '../../schema/descriptor.js';
import type { DeepPartial } from '../../schema/types.js';
import type { ClientInternals } from './client-internals.js';
import type { CallOptions } from '../api/client-types.js';

/** The node a broadcast result came from. */
export interface BroadcastNode {
  readonly id: string;
  readonly address: string;
}

/** One node's answer to a broadcast: `ok` with its `value`, or not with its `error`. */
export type BroadcastResult<T> =
  | { readonly node: BroadcastNode; readonly ok: true; readonly value: T; readonly latencyMs: number }
  | { readonly node: BroadcastNode; readonly ok: false; readonly error: RpcError; readonly latencyMs: number };

/** A successful broadcast result. */
export type BroadcastSuccess<T> = Extract<BroadcastResult<T>, { ok: true }>;

/** Options of a broadcast: `deadlineMs` applies to each node's call separately. */
export type BroadcastOptions = Omit<CallOptions, 'key'>;

/** The client's unary method names (broadcast serves only these). */
export type UnaryMethodName<S extends ServiceDescriptor> = {
  [K in keyof S['methods']]: S['methods'][K] extends MethodDescriptor<infer _Req, infer _Res, false, false> ? K : never;
}[keyof S['methods']];

/** `client.broadcast`: one function per unary method, calling every ready node. */
export type ClientBroadcast<S extends ServiceDescriptor> = {
  readonly [K in UnaryMethodName<S>]: S['methods'][K] extends MethodDescriptor<infer Req, infer Res, false, false>
    ? (request: DeepPartial<Req>, options?: BroadcastOptions) => Promise<BroadcastResult<Res>[]>
    : never;
};

/** Calls `name` on every ready endpoint (waiting for one if none is); results in endpoint order. */
export async function broadcast(
  internals: ClientInternals,
  name: string,
  request: unknown,
  options: BroadcastOptions = {},
): Promise<BroadcastResult<unknown>[]> {
  const { method, codec, runner } = internals.method(name)!;
  const { set } = internals;
  if (!set.endpoints.some((e) => e.ready)) {
    await set.whenReady(false, Date.now() + (options.deadlineMs ?? internals.waitForReadyMs));
  }
  const ready = set.endpoints.filter((e) => e.ready);
  return Promise.all(
    ready.map(async (endpoint): Promise<BroadcastResult<unknown>> => {
      const node = { id: endpoint.id, address: endpoint.address };
      const started = performance.now();
      try {
        const value = await runner.unaryOn(endpoint, method, codec, request, options);
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
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`quorum: k must be an integer >= 1, got ${k}`);
  const successes = results.filter((r): r is BroadcastSuccess<T> => r.ok).sort((a, b) => a.latencyMs - b.latencyMs);
  if (successes.length >= k) return successes.slice(0, k);
  const failures = results.flatMap((r) => (r.ok ? [] : [`${r.node.id}: ${r.error.codeName}`]));
  const why = failures.length > 0 ? `; ${failures.join(', ')}` : '';
  throw new RpcError(Status.UNAVAILABLE, `quorum of ${k} not reached: ${successes.length} of ${results.length} nodes succeeded${why}`);
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
