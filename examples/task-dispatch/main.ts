// 1,000 idempotent tasks over 3 nodes (child processes) through a TaskDispatcher; one
// node is killed with SIGKILL midway. Its tasks in flight fail over to the other nodes:
// no task is lost.
//
//   npx tsx examples/task-dispatch/main.ts

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { balancers, createClient, TaskDispatcher } from 'switchboard';
import { Greeter } from '../greeter/gen/greeter.js';

const TASKS = 1000;
const KILL_AFTER = 300;

/** Starts node.ts in a child process; resolves with the process and its address. */
async function spawnNode(nodeId: string): Promise<{ child: ChildProcess; address: string }> {
  const script = fileURLToPath(new URL('./node.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, nodeId], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [address] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { child, address };
}

const nodes = await Promise.all(['node-a', 'node-b', 'node-c'].map(spawnNode));
const client = createClient(Greeter, {
  endpoints: nodes.map((n) => n.address),
  balancer: balancers.leastLoad(),
  deadlineMs: 5000,
});
await client.ready({ all: true, timeoutMs: 10_000 });

const dispatcher = new TaskDispatcher(client, 'sayHello', { concurrency: 24 });
const finished = new Set<string>();
let killed = false;
const handles = Array.from({ length: TASKS }, (_, i) =>
  dispatcher.submit({ name: `task-${i}` }).onComplete((_error, reply) => {
    if (reply) finished.add(reply.message);
    if (!killed && finished.size === KILL_AFTER) {
      killed = true;
      nodes[1]!.child.kill('SIGKILL');
      console.log(`killed node-b after ${KILL_AFTER} tasks`);
    }
  }),
);
// The synchronous form, for one more task once the others are done:
const results = await Promise.allSettled(handles.map((h) => h.done));
const last = await dispatcher.run({ name: 'task-last' });

const stats = dispatcher.stats();
const lost = TASKS - results.filter((r) => r.status === 'fulfilled').length;
console.log(`tasks: ${TASKS + 1} submitted, ${stats.completed} completed, ${stats.failed} failed, ${lost} lost`);
console.log(`distinct results: ${finished.size + 1}, last: ${last.message}`);
console.log(`failovers: ${stats.failovers > 0 ? 'some (tasks in flight on node-b moved on)' : 'none'}`);
for (const [id, counts] of Object.entries(stats.byNode).sort()) {
  console.log(`${id}: completed ${counts.completed}, failed attempts ${counts.failedAttempts}`);
}

await client.close();
for (const node of nodes) node.child.kill();
