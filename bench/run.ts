/**
 * `npm run bench`: every benchmark, each printing its table with ratios measured in the
 * same run (about 12 minutes). Numbers from one machine mean little on another; the ratios
 * are what to compare.
 */
import { BURST_TITLE, runBurst } from './burst.js';
import { CONCURRENCY, runHeterogeneous } from './heterogeneous.js';
import { MANY_ENDPOINTS_TITLE, runManyEndpoints } from './many-endpoints.js';
import { ratioSummary, runOverhead } from './overhead.js';
import { overloadTitle, runOverload } from './overload.js';
import { PICK_TITLE, runPick } from './pick.js';
import { PROPAGATION_COST_TITLE, runPropagationCost } from './propagation-cost.js';
import { REPORT_COST_TITLE, runReportCost } from './report-cost.js';
import { CLIENTS, runSharedNodes } from './shared-nodes.js';
import { runSlowdown } from './slowdown.js';
import { runStall, STALL_TITLE } from './stall.js';

const overhead = await runOverhead(1.5, 20);
console.log(
  'Overhead: unary 64-byte echo, 3 nodes in a child process, 64 calls in flight, 20 alternating rounds of 1.5 s\n',
);
console.log(overhead.table);
console.log(`\n${ratioSummary('switchboard / grpc-js', overhead)}`);

console.log(`\n${REPORT_COST_TITLE}, 10 rounds of 3 s\n`);
console.log(await runReportCost(3, 10));

console.log(`\n${PROPAGATION_COST_TITLE}, 10 rounds of 3 s\n`);
console.log(await runPropagationCost(3, 10));

const heterogeneous = await runHeterogeneous(4, 2);
console.log(
  `\nHeterogeneous nodes: one worker each, 2/2/6 ms, ${CONCURRENCY} calls in flight, ` +
    '2 alternating rounds of 4 s (after 1.5 s warm-up)\n',
);
console.log(heterogeneous.table);
console.log(`\n${heterogeneous.summary}`);

const shared = await runSharedNodes(4, 3);
console.log(
  `\nShared nodes: ${CLIENTS} clients of each kind at once, ${CONCURRENCY / CLIENTS} calls in flight each, ` +
    'same nodes, 3 alternating rounds of 4 s\n',
);
console.log(shared.table);
console.log(`\n${shared.summary}`);

console.log(
  '\nSlowdown: 3 single-worker nodes at 2 ms; node-a turns 20 ms 2 s into a 6 s run (its capacity share then: 4.8%)\n',
);
console.log(await runSlowdown(1));

console.log(`\n${BURST_TITLE}, 2 alternating rounds of 6 s\n`);
console.log(await runBurst(2));

const stall = await runStall(5, 2);
console.log(`\n${STALL_TITLE}, 2 alternating rounds of 5 s per row (after 1.5 s warm-up)\n`);
console.log(stall.table);
console.log(`\n${stall.summary}`);

const overload = await runOverload(4);
console.log(`\n${overloadTitle(4)}\n`);
console.log(overload.table);
console.log(`\n${overload.summary}`);

console.log(`\n${PICK_TITLE}\n`);
console.log(runPick());

console.log(`\n${MANY_ENDPOINTS_TITLE}; idle 3 s, load 3 s\n`);
console.log(await runManyEndpoints([10, 1000, 5000]));
