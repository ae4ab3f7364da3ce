/**
 * `npm run bench`: every benchmark, each printing its table with ratios measured in the
 * same run (under ~5 minutes). Numbers from one machine mean little on another; the ratios
 * are what to compare.
 */
import { CONCURRENCY, runHeterogeneous } from './heterogeneous.js';
import { runOverhead, runReportCost } from './overhead.js';
import { PICK_TITLE, runPick } from './pick.js';
import { runSlowdown } from './slowdown.js';

const overhead = await runOverhead(3, 5);
console.log('Overhead: unary 64-byte echo, 3 nodes in a child process, 64 calls in flight, 5 alternating rounds of 3 s\n');
console.log(overhead.table);
console.log(`\nswitchboard / grpc-js = ${overhead.ratio.toFixed(3)} (target ≥ 0.95)`);

const reports = await runReportCost(3, 5);
console.log('\nLoad reports: the same client against nodes without and with per-call ORCA reports, 5 alternating rounds of 3 s\n');
console.log(reports.table);
console.log(`\nwith reports / without = ${reports.ratio.toFixed(3)} (target ≥ 0.95)`);

const heterogeneous = await runHeterogeneous(4, 2);
console.log(`\nHeterogeneous nodes: one worker each, 2/2/6 ms, ${CONCURRENCY} calls in flight, 2 alternating rounds of 4 s (after 1.5 s warm-up)\n`);
console.log(heterogeneous.table);
console.log(`\n${heterogeneous.summary}`);

console.log('\nSlowdown: 3 single-worker nodes at 2 ms; node-a turns 20 ms 2 s into a 6 s run (its capacity share then: 4.8%)\n');
console.log(await runSlowdown(1));

console.log(`\n${PICK_TITLE}\n`);
console.log(runPick());
