import type { ResolvedEndpoint, Resolver } from 'switchboard/extend';

/** A resolver the test drives by hand: `set` delivers a new endpoint list to the client. */
export function manualResolver() {
  let deliver: ((list: readonly ResolvedEndpoint[]) => void) | undefined;
  const resolver: Resolver = {
    source: 'manual',
    subscribe(_service, onChange) {
      deliver = onChange;
      return () => {
        deliver = undefined;
      };
    },
  };
  return { resolver, set: (list: readonly ResolvedEndpoint[]) => deliver?.(list) };
}
