// Load that runs until the test stops it (for events whose timing the test awaits).
import type { Client } from 'switchboard';
import type { Echo } from '../gen/echo.js';

/**
 * Unary calls in a loop, `concurrency` at a time, until `stop` (or, should a test never
 * stop it, `maxMs`); counts replies per node and failures.
 */
export function startLoad(client: Client<typeof Echo>, concurrency = 4, maxMs = 60_000) {
  const byNode: Record<string, number> = {};
  const failures: unknown[] = [];
  let running = true;
  const until = performance.now() + maxMs;
  const loop = async () => {
    while (running && performance.now() < until) {
      try {
        const reply = await client.unary({ text: 'load' });
        byNode[reply.nodeId] = (byNode[reply.nodeId] ?? 0) + 1;
      } catch (error) {
        failures.push(error);
      }
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    byNode,
    failures,
    /** Calls answered so far. */
    get total() {
      return Object.values(byNode).reduce((sum, n) => sum + n, 0);
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
