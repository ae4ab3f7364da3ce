import type { ClientInterceptor } from '../api/client-interceptor.js';

/** Options of `bearerToken`. */
export interface BearerTokenOptions {
  /** The metadata key to set (default `authorization`; e.g. `x-api-key`). */
  readonly header?: string;
  /** The scheme before the token (default `Bearer`); `null` for a bare value such as an API key. */
  readonly scheme?: string | null;
}

/**
 * A client interceptor that sends a credential with every call of the client: a fixed
 * token, or a function asked once per call (e.g. to refresh an expiring token). A call that
 * sets the header itself (`{ metadata: { authorization: 'Bearer other' } }`) keeps its own:
 * that is how one call uses other credentials.
 *
 * ```ts
 * createClient(Greeter, { endpoints, tls, interceptors: [bearerToken(() => tokens.current())] });
 * ```
 */
export function bearerToken(
  token: string | (() => string | Promise<string>),
  options: BearerTokenOptions = {},
): ClientInterceptor {
  const header = (options.header ?? 'authorization').toLowerCase();
  const scheme = options.scheme === undefined ? 'Bearer' : options.scheme;
  return async (call, next) => {
    if (call.metadata.get(header).length === 0) {
      const value = typeof token === 'string' ? token : await token();
      call.metadata.set(header, scheme === null ? value : `${scheme} ${value}`);
    }
    return next();
  };
}
