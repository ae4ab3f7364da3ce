import type { RpcError } from '../../common/rpc-error.js';
import type { MethodDescriptor, ServiceDescriptor } from '../../schema/descriptor.js';
import type { DeepPartial } from '../../schema/types.js';
import type { CallOptions } from './call-options.js';

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
