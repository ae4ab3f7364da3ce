import type { MethodCodec } from '../../schema/codec.js';
import type { MethodDescriptor, ServiceDescriptor } from '../../schema/descriptor.js';
import type { CallPipeline } from '../call/call-pipeline.js';
import type { EndpointSet } from '../endpoints/endpoint-set.js';

/** One method of a client: its descriptor, its codec, and the pipeline that reports to its balancer. */
export interface ClientMethodInternals {
  readonly method: MethodDescriptor;
  readonly codec: MethodCodec;
  readonly pipeline: CallPipeline;
}

/** What broadcast and task dispatch need from a client beyond its public methods. */
export interface ClientInternals {
  readonly service: ServiceDescriptor;
  readonly set: EndpointSet;
  /** The method of a client method name. */
  method(name: string): ClientMethodInternals | undefined;
}

// Kept beside the client rather than on it, so the public object has only its methods and controls.
const internals = new WeakMap<object, ClientInternals>();

/** Keeps `value` as the internals of `client`. */
export function attachInternals(client: object, value: ClientInternals): void {
  internals.set(client, value);
}

/** The internals of a client made by `createClient`; a TypeError naming `where` otherwise. */
export function internalsOf(client: object, where: string): ClientInternals {
  const value = internals.get(client);
  if (value === undefined) throw new TypeError(`${where}: expected a client made by createClient`);
  return value;
}
