/**
 * `npm run bench`: every benchmark, each printing its table with ratios against plain
 * grpc-js measured in the same run. Numbers from one machine mean little on another; the
 * ratios are what to compare.
 */
import { runOverhead } from './overhead.js';

const overhead = await runOverhead(3, 5);
console.log('Overhead: unary 64-byte echo, 3 nodes in a child process, 64 calls in flight, 5 alternating rounds of 3 s\n');
console.log(overhead.table);
console.log(`\nswitchboard / grpc-js = ${overhead.ratio.toFixed(3)} (target ≥ 0.95)`);
console.log('\npick() cost per balancer: npx tsx bench/pick.ts');
console.log('heterogeneous nodes, balancer by balancer: npm run demo');
