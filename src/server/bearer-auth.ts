import { RpcError } from '../common/rpc-error.js';
import { Status } from '../common/status.js';
import type { ServerInterceptor } from './server-interceptor.js';

/** What `verify` says of a credential for a method. */
export type AuthDecision = 'allow' | 'deny' | 'invalid';

/** Options of `bearerAuth`. */
export interface BearerAuthOptions {
  /**
   * Checks the credential for a method path (e.g. `/demo.Greeter/SayHello`): `'allow'`
   * lets the call through, `'deny'` (a known caller not allowed this method) answers
   * PERMISSION_DENIED, `'invalid'` (unknown, expired) answers UNAUTHENTICATED.
   */
  verify(credential: string, path: string): AuthDecision | Promise<AuthDecision>;
  /** The metadata key that carries the credential (default `authorization`; e.g. `x-api-key`). */
  readonly header?: string;
  /** The scheme before the credential (default `Bearer`); `null` for a bare value such as an API key. */
  readonly scheme?: string | null;
}

/**
 * A server interceptor that lets a call through only with a credential `verify` allows for
 * its method: missing or invalid → UNAUTHENTICATED, not allowed → PERMISSION_DENIED, before
 * any handler runs. The node's health and node-info services are not intercepted, so
 * clients can still see that the node is up.
 *
 * ```ts
 * createServer({
 *   nodeId: 'a',
 *   tls,
 *   interceptors: [bearerAuth({ verify: (token, path) => tokens.check(token, path) })],
 * });
 * ```
 */
export function bearerAuth(options: BearerAuthOptions): ServerInterceptor {
  const header = (options.header ?? 'authorization').toLowerCase();
  const scheme = options.scheme === undefined ? 'Bearer' : options.scheme;
  const expected = scheme === null ? `metadata ${header}` : `metadata ${header}: ${scheme} <token>`;
  const prefix = scheme === null ? '' : `${scheme.toLowerCase()} `;
  return async ({ method, ctx }, next) => {
    const [value] = ctx.metadata.get(header);
    if (typeof value !== 'string' || !value.toLowerCase().startsWith(prefix) || value.length === prefix.length) {
      throw new RpcError(Status.UNAUTHENTICATED, `missing credentials for ${method.path}: expected ${expected}`);
    }
    const decision = await options.verify(value.slice(prefix.length).trim(), method.path);
    if (decision === 'allow') return next();
    if (decision === 'deny') throw new RpcError(Status.PERMISSION_DENIED, `not allowed to call ${method.path}`);
    throw new RpcError(Status.UNAUTHENTICATED, `invalid credentials for ${method.path}`);
  };
}
