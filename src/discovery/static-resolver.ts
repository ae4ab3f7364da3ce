// A fixed list of nodes: what `createClient({ endpoints })` uses.
import { parseAddress } from '../common/address.js';
import type { EndpointInput, ResolvedEndpoint, Resolver } from './resolver.js';

/** A resolver that always announces the same nodes (`host:port` strings or configs). */
export function staticResolver(list: readonly EndpointInput[]): Resolver {
  return checkedResolver(toEndpointList(list, 'staticResolver'));
}

/** A resolver that always announces `endpoints`, a list {@link toEndpointList} has checked. */
export function checkedResolver(list: readonly ResolvedEndpoint[]): Resolver {
  const endpoints = Object.freeze(list);
  return {
    source: 'static',
    subscribe(_service, onChange) {
      onChange(endpoints);
      return () => {};
    },
  };
}

/** Checks a hand-written endpoint list; errors name the address and `where` it was given. */
export function toEndpointList(list: readonly EndpointInput[], where: string): ResolvedEndpoint[] {
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError(`${where}: endpoints must be a non-empty list of "host:port" addresses`);
  }
  const endpoints = list.map((endpoint) => {
    const config = typeof endpoint === 'string' ? { address: endpoint } : endpoint;
    parseAddress(config.address, where);
    if (config.weight !== undefined && !(Number.isFinite(config.weight) && config.weight > 0)) {
      throw new RangeError(`${where}: weight of ${config.address} must be a positive number, got ${config.weight}`);
    }
    return config;
  });
  const seen = new Set<string>();
  for (const { address } of endpoints) {
    if (seen.has(address)) throw new TypeError(`${where}: endpoint ${address} is listed twice`);
    seen.add(address);
  }
  return endpoints;
}
