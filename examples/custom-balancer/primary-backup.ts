import type { Balancer } from 'switchboard';
import type { Endpoint, PickContext } from 'switchboard/extend';

/**
 * primaryBackup — every call goes to the ready node with the lowest `priority` label
 * (ties: lowest id); the next ones take over when it is gone, or for a retry.
 * update() sorts once; pick() reads the sorted list: O(tried), no allocation.
 */
export function primaryBackup(): Balancer {
  let ordered: readonly Endpoint[] = [];
  const rank = (e: Endpoint) => Number(e.labels.priority ?? Number.POSITIVE_INFINITY);
  return {
    name: 'primaryBackup',
    update(endpoints) {
      ordered = [...endpoints].sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
    },
    pick(call: PickContext) {
      for (const endpoint of ordered) {
        if (!call.tried.some((t) => t.id === endpoint.id)) return endpoint;
      }
      return ordered[0];
    },
  };
}
