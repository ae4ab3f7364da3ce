// useEchoCluster: the Echo nodes and clients of a describe block (or a file), and their teardown.
//
//   describe('balancers', () => {
//     const cluster = useEchoCluster();
//     it('weighted', async () => {
//       const nodes = await cluster.start(3, (i) => ({ weight: i + 1 })); // node-0, node-1, node-2
//       const client = cluster.client({ balancer: balancers.weighted() }); // endpoints: cluster.addresses
//       ...
//
// What a test (or a beforeEach) starts is closed after that test; what a beforeAll starts lives
// until the block's last test is done. Clients close before nodes; nodes shut down with grace 0.
// Call it before the block's own beforeEach hooks: its beforeEach marks where a test's part begins.
import { afterAll, afterEach, beforeEach } from 'vitest';
import { type Client, type ClientOptions, createClient } from 'switchboard';
import { Echo } from '../gen/echo.js';
import { type EchoNode, type EchoNodeOptions, startEchoNode, stopAll } from './echo-nodes.js';

export interface EchoCluster {
  /** The nodes started so far: the block's, then the current test's (shut-down ones too). */
  readonly nodes: readonly EchoNode[];
  /** The addresses of `nodes`, in their order. */
  readonly addresses: string[];
  /** Starts `count` nodes named `node-0`, `node-1`, ... at once. */
  start(count: number, options?: (i: number) => EchoNodeOptions): Promise<EchoNode[]>;
  /** Starts one node named `id`. */
  startNode(id: string, options?: EchoNodeOptions): Promise<EchoNode>;
  /** A client of Echo; without `endpoints` or `resolver` it calls `addresses`. */
  client(options?: ClientOptions<typeof Echo>): Client<typeof Echo>;
}

/** What one scope (the block, or one test) started. */
class Started {
  readonly nodes: EchoNode[] = [];
  readonly clients: Client<typeof Echo>[] = [];

  async close(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((c) => c.close()));
    await stopAll(this.nodes.splice(0));
  }
}

export function useEchoCluster(): EchoCluster {
  const block = new Started();
  let test: Started | undefined;
  beforeEach(() => {
    test = new Started();
  });
  afterEach(async () => {
    const done = test;
    test = undefined;
    await done?.close();
  });
  afterAll(() => block.close());
  const nodes = () => [...block.nodes, ...(test?.nodes ?? [])];
  return {
    get nodes() {
      return nodes();
    },
    get addresses() {
      return nodes().map((n) => n.address);
    },
    async start(count, options = () => ({})) {
      const started = await Promise.all(
        Array.from({ length: count }, (_, i) => startEchoNode(`node-${i}`, options(i))),
      );
      (test ?? block).nodes.push(...started);
      return started;
    },
    async startNode(id, options = {}) {
      const node = await startEchoNode(id, options);
      (test ?? block).nodes.push(node);
      return node;
    },
    client(options = {}) {
      const given = options.endpoints !== undefined || options.resolver !== undefined;
      const client = createClient(Echo, given ? options : { ...options, endpoints: nodes().map((n) => n.address) });
      (test ?? block).clients.push(client);
      return client;
    },
  };
}
