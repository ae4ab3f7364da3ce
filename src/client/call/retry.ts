import { setTimeout as sleep } from 'node:timers/promises';
import { RpcError } from '../../common/rpc-error.js';
import { Status } from '../../common/status.js';
import type { CallDefaults } from './call-pipeline.js';
import type { CallState } from './call-state.js';
import { backoffDelay, neverReachedServer } from './retry-policy.js';

/**
 * Whether to try a failed call again, after the backoff: a retryable code on an idempotent
 * method (or an attempt that timed out on its own), or an attempt that no server
 * processed; within the attempts, the deadline and the retry budget.
 */
export async function retryAfter(failure: RpcError, call: CallState, defaults: CallDefaults): Promise<boolean> {
  const policy = call.policy;
  // Cancelled during the attempt: its own CANCELLED is the answer.
  if (call.attempt >= policy.maxAttempts || call.signal?.aborted) return false;
  const retryable =
    neverReachedServer(failure) || (call.idempotent && (policy.retryOn.has(failure.code) || call.lastAttemptTimedOut));
  if (!retryable) return false;
  const delay = backoffDelay(policy, call.attempt, defaults.random);
  if (call.deadline !== undefined && Date.now() + delay >= call.deadline) return false;
  if (!defaults.budget.tryRetry()) {
    call.budgetSpent = true;
    return false;
  }
  try {
    await sleep(delay, undefined, { signal: call.signal });
  } catch {
    // Cancelled during the backoff: CANCELLED, not the failure of the attempt before.
    throw new RpcError(Status.CANCELLED, 'call cancelled while waiting to retry', undefined, { path: call.path });
  }
  call.attempt++;
  return true;
}
