// Three nodes in child processes, a steady load of idempotent calls, and node-b killed
// with SIGKILL half-way: no call fails. The client's stats before and after show where the
// calls went.
//
//   npx tsx examples/failover/main.ts

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { balancers, type Client, createClient } from 'switchboard';
import { Greeter } from '../greeter/gen/greeter.js';

async function startNode(id: string) {
  const script = fileURLToPath(new URL('./node.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, id], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [address] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  return { id, address, child };
}

function printStats(title: string, client: Client<typeof Greeter>) {
  console.log(`== ${title}`);
  for (const e of client.stats().endpoints)
    console.log(`${e.id}: ${e.state === 'ready' ? 'in rotation' : 'out of rotation'}`);
}

const nodes = await Promise.all(['node-a', 'node-b', 'node-c'].map(startNode));
const client = createClient(Greeter, {
  endpoints: nodes.map((n) => n.address),
  balancer: balancers.leastLoad(),
  deadlineMs: 2000,
  retry: { maxAttempts: 3 }, // the default: idempotent methods fail over on UNAVAILABLE
});
await client.ready({ all: true });
printStats('before', client);

// 16 callers for 3 seconds; node-b is killed after one second.
let ok = 0;
let failed = 0;
const servedAfterKill = new Map<string, number>();
let killedAt = Number.POSITIVE_INFINITY;
const stopAt = Date.now() + 3000;
const caller = async () => {
  while (Date.now() < stopAt) {
    const started = Date.now();
    try {
      const reply = await client.sayHello({ name: 'load' });
      ok++;
      if (started > killedAt + 100) servedAfterKill.set(reply.nodeId, (servedAfterKill.get(reply.nodeId) ?? 0) + 1);
    } catch (error) {
      failed++;
      console.log(`failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
};
const load = Promise.all(Array.from({ length: 16 }, caller));
await sleep(1000);
nodes[1]!.child.kill('SIGKILL');
killedAt = Date.now();
console.log('== node-b killed (SIGKILL)');
await load;

printStats('after', client);
console.log(`calls: ${ok > 100 ? 'more than 100' : ok} succeeded, ${failed} failed`);
const after = [...servedAfterKill.keys()].sort().join(', ');
console.log(`calls started after the kill went to: ${after}`);

await client.close();
for (const node of nodes) node.child.kill('SIGTERM');
