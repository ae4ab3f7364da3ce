import type { MethodDescriptor, ServiceDescriptor } from '../../schema/descriptor.js';
import type { MethodCodec } from '../../schema/codec.js';
import type { CallRunner } from '../call.js';
import type { EndpointSet } from '../endpoints/endpoint-set.js';

/** What broadcast and task dispatch need from a client beyond its public methods. */
export interface ClientInternals {
  readonly service: ServiceDescriptor;
  readonly set: EndpointSet;
  /** How long a call without a deadline waits for a ready endpoint. */
  readonly waitForReadyMs: number;
  /** The method of a client method name, its codec, and the runner that reports to its balancer. */
  method(name: string): { readonly method: MethodDescriptor; readonly codec: MethodCodec; readonly runner: CallRunner } | undefined;
}

// Kept beside the client rather than on it, so the public object has only its methods and controls.
const internals = new WeakMap<object, ClientInternals>();

export function attachInternals(client: object, value: ClientInternals): void {
  internals.set(client, value);
}

/** The internals of a client made by `createClient`; a TypeError naming `where` otherwise. */
export function internalsOf(client: object, where: string): ClientInternals {
  const value = internals.get(client);
  if (value === undefined) throw new TypeError(`${where}: expected a client made by createClient`);
  return value;
}
