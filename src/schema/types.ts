import type { MethodDescriptor } from './descriptor.js';

/**
 * What a caller may pass where a message is expected: every field optional (unset fields
 * take their proto defaults), recursively. Decoded messages are the full type.
 */
export type DeepPartial<T> = T extends Uint8Array
  ? T
  : T extends readonly (infer U)[]
    ? readonly DeepPartial<U>[]
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : T;

/** The request message type of a method descriptor. */
export type RequestOf<M> = M extends MethodDescriptor<infer Req, unknown, boolean, boolean> ? Req : never;

/** The response message type of a method descriptor. */
export type ResponseOf<M> = M extends MethodDescriptor<unknown, infer Res, boolean, boolean> ? Res : never;

/** A sync or async sequence of values, as accepted for request streams. */
export type StreamInput<T> = AsyncIterable<T> | Iterable<T>;
