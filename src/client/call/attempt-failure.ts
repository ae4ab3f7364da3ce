import { RpcError, toRpcError } from '../../common/rpc-error.js';
import { Status } from '../../common/status.js';
import type { CallState } from './call-state.js';
import type { ClientEndpoint } from '../endpoints/client-endpoint.js';

/** How grpc-js reports a request its serializer (the codec's type check) refused. */
const UNSERIALIZABLE = /^Request message serialization failure: (.*)$/s;

/**
 * What a failed attempt means, as an `RpcError` naming the method and the node: grpc-js'
 * report turned into what happened. A request stream that threw is the caller's CANCELLED;
 * a request that did not fit its type is the caller's
 * INVALID_ARGUMENT; a CANCELLED nobody on this side asked for is the node cutting the call
 * off (UNAVAILABLE, so it fails over); a DEADLINE_EXCEEDED from the attempt's own timeout
 * says so (and marks the call, so the attempt may be retried), one from a deadline inherited
 * from the call being handled names that call.
 */
export function attemptFailure(error: unknown, endpoint: ClientEndpoint, call: CallState): RpcError {
  const source = { path: call.path, node: endpoint.id, address: endpoint.address };
  if (call.requestStreamError !== undefined) {
    // The caller's own request stream threw: the call is cancelled, the node did nothing wrong.
    const reason =
      call.requestStreamError instanceof Error ? call.requestStreamError.message : String(call.requestStreamError);
    return new RpcError(Status.CANCELLED, `request stream failed: ${reason}`, undefined, source);
  }
  let failure = toRpcError(error, source);
  const unsendable = failure.code === Status.INTERNAL && UNSERIALIZABLE.exec(failure.details);
  if (unsendable) {
    failure = new RpcError(Status.INVALID_ARGUMENT, unsendable[1]!, failure.metadata, failure.source);
  }
  if (failure.code === Status.CANCELLED && !call.signal?.aborted) {
    failure = new RpcError(Status.UNAVAILABLE, `${failure.details} by the node`, failure.metadata, failure.source);
  }
  call.lastAttemptTimedOut = failure.code === Status.DEADLINE_EXCEEDED && call.attemptTimedOut();
  if (call.lastAttemptTimedOut) {
    failure = new RpcError(
      failure.code,
      `attempt timed out after ${call.policy.attemptTimeoutMs} ms`,
      failure.metadata,
      failure.source,
    );
  } else if (failure.code === Status.DEADLINE_EXCEEDED && call.deadlineFrom !== undefined) {
    const inherited = `the deadline inherited from ${call.deadlineFrom} (the call being handled)`;
    failure = new RpcError(failure.code, `${failure.details}: ${inherited}`, failure.metadata, failure.source);
  }
  return failure;
}

/** How grpc-js reports a message over a size limit (RESOURCE_EXHAUSTED, but not overload). */
const OVER_SIZE = /message.* larger than/;

/**
 * Whether a failed attempt was refused for overload (RESOURCE_EXHAUSTED or UNAVAILABLE, not
 * a message over a size limit): what the adaptive throttle counts as not accepted.
 */
export function refusedForOverload(failure: RpcError): boolean {
  const code = failure.code;
  return (code === Status.RESOURCE_EXHAUSTED || code === Status.UNAVAILABLE) && !OVER_SIZE.test(failure.details);
}

/** The error of a call's last attempt, saying which nodes its attempts went to. */
export function callError(failure: RpcError, call: CallState): RpcError {
  if (call.tried.length <= 1 && !call.budgetSpent) return failure;
  const budget = call.budgetSpent ? '; retry budget spent' : '';
  const nodes = call.tried.map((e) => e.id).join(', ');
  return new RpcError(
    failure.code,
    `${failure.details} (${call.tried.length} attempts: ${nodes}${budget})`,
    failure.metadata,
    failure.source,
  );
}
