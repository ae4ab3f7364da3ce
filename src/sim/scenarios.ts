/**
 * The built-in scenarios of `switchboard simulate <name>`; any other scenario is a JSON
 * file of the same shape (`scenario.ts`).
 */
import type { Scenario } from './scenario.js';

/** Built-in scenarios by name. */
export const simulationScenarios: Readonly<Record<string, Scenario>> = {
  heterogeneous: {
    name: 'heterogeneous',
    description: 'bench/heterogeneous.ts: 3 single-worker nodes at 2/2/6 ms, one client, 32 calls in flight',
    nodes: [
      { name: 'node-a', count: 1, serviceMs: 2, weight: 3 },
      { name: 'node-b', count: 1, serviceMs: 2, weight: 3 },
      { name: 'node-c', count: 1, serviceMs: 6, weight: 1 },
    ],
    clients: { count: 1, mode: 'closed', concurrency: 32 },
    balancers: ['roundRobin', 'weighted', 'leastLoad'],
    warmupMs: 1500,
    durationMs: 4000,
    overheadMs: 2,
  },
  scale: {
    name: 'scale',
    description: '1,000 clients × 10,000 nodes (2 workers, 20 ms exponential), subsets of 100, open loop at 50% load',
    nodes: [{ count: 10_000, serviceMs: 20, distribution: 'exponential', workers: 2 }],
    clients: { count: 1000, mode: 'open', ratePerSecond: 500 },
    subset: { size: 100, strategy: 'deterministic' },
    balancers: ['roundRobin', 'leastLoad'],
    warmupMs: 200,
    durationMs: 1000,
    overheadMs: 0.5,
  },
  'slow-nodes': {
    name: 'slow-nodes',
    description: '100 clients × 1,000 nodes, 10% of them 5x slower, open loop at 50% of capacity',
    nodes: [
      { name: 'fast', count: 900, serviceMs: 10, distribution: 'exponential', workers: 2 },
      { name: 'slow', count: 100, serviceMs: 50, distribution: 'exponential', workers: 2 },
    ],
    clients: { count: 100, mode: 'open', ratePerSecond: 925 },
    balancers: ['roundRobin', 'leastLoad'],
    warmupMs: 1000,
    durationMs: 2000,
    overheadMs: 0.5,
  },
  herding: {
    name: 'herding',
    description:
      '200 clients × 20 nodes with load reports, open loop at 70%: piling onto the node that reported low load',
    nodes: [{ count: 20, serviceMs: 5, distribution: 'exponential', workers: 4 }],
    clients: { count: 200, mode: 'open', ratePerSecond: 56 },
    balancers: ['roundRobin', 'leastLoad', { name: 'leastLoad', label: 'leastLoad(scan)', options: { choices: 20 } }],
    reports: { intervalMs: 200, staleMs: 0 },
    warmupMs: 500,
    durationMs: 2000,
    overheadMs: 0.5,
  },
};
