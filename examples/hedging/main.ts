// Three nodes in child processes; node-a is frozen (SIGSTOP) for 200 ms once a phase, as
// a GC pause or a noisy neighbour would. The same load runs through a client
// without hedging and one with `hedging: { maxAttempts: 2 }`: without, the calls caught on
// node-a wait out the freeze; with, each is sent again to another node after the delay.
//
//   npx tsx examples/hedging/main.ts

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { balancers, createClient } from 'switchboard';
import { Greeter } from '../greeter/gen/greeter.js';

async function startNode(id: string) {
  const script = fileURLToPath(new URL('./node.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, id], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [address] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  return { id, address, child };
}

const nodes = await Promise.all(['node-a', 'node-b', 'node-c'].map(startNode));
const endpoints = nodes.map((n) => n.address);

/** 8 callers for 2 s; node-a is frozen for 200 ms after 1 s. The calls that waited out the freeze, and the slowest. */
async function phase(client: ReturnType<typeof createClient<typeof Greeter>>) {
  let waited = 0;
  let slowest = 0;
  const stopAt = performance.now() + 2000;
  const caller = async () => {
    while (performance.now() < stopAt) {
      const started = performance.now();
      const reply = await client.sayHello({ name: 'load' });
      const ms = performance.now() - started;
      if (reply.nodeId === 'node-a' && ms >= 200) waited++;
      slowest = Math.max(slowest, ms);
    }
  };
  const freeze = (async () => {
    await sleep(1000);
    nodes[0]!.child.kill('SIGSTOP');
    await sleep(200);
    nodes[0]!.child.kill('SIGCONT');
  })();
  await Promise.all([...Array.from({ length: 8 }, caller), freeze]);
  return { waited, slowest };
}

for (const hedging of [undefined, { maxAttempts: 2 }]) {
  const client = createClient(Greeter, {
    endpoints,
    balancer: balancers.leastLoad(),
    hedging, // { maxAttempts: 2 }: after the delay (the p95 of recent latency), try another node
  });
  await client.ready({ all: true });
  // The adaptive delay needs the method's recent latency: 200 calls first.
  for (let i = 0; i < 200; i++) await client.sayHello({ name: 'warm-up' });
  const { waited, slowest } = await phase(client);
  const stats = client.stats();
  console.log(`== ${hedging === undefined ? 'without hedging' : 'with hedging: { maxAttempts: 2 }'}`);
  // Calls in flight on node-a when it froze, answered by node-a once it woke (200 ms or more).
  console.log(`calls that waited out the freeze: ${waited > 0 ? 'some' : 'none'}`);
  if (hedging !== undefined) {
    const hedges = stats.endpoints.reduce((n, e) => n + e.hedges, 0);
    const won = stats.endpoints.reduce((n, e) => n + e.hedgesWon, 0);
    console.log(`hedges sent: under 10% of calls: ${hedges < 0.1 * stats.calls ? 'yes' : 'no'}`);
    console.log(`hedges sent: some won: ${won > 0 ? 'yes' : 'no'}`);
  }
  console.error(`(slowest call: ${Math.round(slowest)} ms)`);
  await client.close();
}

for (const node of nodes) node.child.kill('SIGTERM');
