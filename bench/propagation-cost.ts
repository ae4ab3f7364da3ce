/**
 * Deadline propagation: what running every handler in its call's AsyncLocalStorage context
 * costs a node (docs/decisions/0049-deadline-propagation.md). A node does it only once its
 * process holds a Switchboard client whose calls inherit; on Node 20 the context turns on
 * async_hooks' promise hooks for the whole process, which every promise then pays for.
 *
 * Measured as bench/report-cost.ts measures load reports: two single-node processes on one
 * CPU, loaded at once by h2load (128 calls in flight, unary 64-byte echo, a handler that
 * answers at once: the worst case, since a handler with real work hides the cost). Pairs:
 * A/A (two `loadReport: false` nodes: the noise left) and a `loadReport: false` node
 * against the same node in a process holding a client that inherits (it makes no calls).
 *
 * Run: `npx tsx bench/propagation-cost.ts [seconds-per-round] [rounds]`.
 */
import { runNodePairs } from './report-cost.js';

/** The benchmark's heading (the rounds are added by the caller). */
export const PROPAGATION_COST_TITLE =
  'Deadline propagation: two single-node processes on one CPU, loaded at once by h2load (128 calls in flight each)';

/** Runs both pairs; returns the table, or why it could not run. */
export function runPropagationCost(seconds = 3, rounds = 10): Promise<string> {
  return runNodePairs(
    [
      { name: 'A/A: loadReport: false, twice', sides: ['quiet', 'quiet'] },
      { name: 'no client that inherits / one', sides: ['quiet', 'quiet-inheriting'] },
    ],
    seconds,
    rounds,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = Number(process.argv[2] ?? 3);
  const rounds = Number(process.argv[3] ?? 10);
  console.log(`${PROPAGATION_COST_TITLE}, ${rounds} rounds of ${seconds} s\n`);
  console.log(await runPropagationCost(seconds, rounds));
}
