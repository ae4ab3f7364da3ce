import { describe, expect, it } from 'vitest';
import { CallEstimates } from '../../src/load/call-estimates.js';

describe('CallEstimates: attempts a hedge gave up on', () => {
  it('keeps counting them on the node until it answers OK, and lets them only raise its estimates', () => {
    let now = 0;
    const node = new CallEstimates(1000, () => now);
    // Two calls answered in 2 ms each: the node's floor is 2 ms per call.
    for (let i = 0; i < 2; i++) {
      node.begin(undefined, now);
      now += 2;
      node.end(true, 2, now, 1);
    }
    const floor = node.serviceTime.value;
    // The node freezes: both attempts sent to it are given up on after 20 ms, when hedges won elsewhere.
    const depths = [node.begin(undefined, now), node.begin(undefined, now)];
    now += 20;
    for (const depth of depths) node.abandon(20, now, depth);
    expect({ inFlight: node.inFlight, queued: node.queued }).toEqual({ inFlight: 0, queued: 2 });
    // The next call joins behind them, as far as the client can tell.
    expect(node.begin(undefined, now)).toBe(3);
    expect(node.serviceTime.value).toBeGreaterThan(floor);
    expect(node.latencyEwma.value).toBeGreaterThanOrEqual(20);
    // A failure or a caller's cancel does not show that the node let go of them; an OK does.
    node.end(false, 1, now + 1, 3, false);
    expect(node.queued).toBe(2);
    node.begin(undefined, now + 1);
    node.end(true, 5, now + 6, 3, true);
    expect({ inFlight: node.inFlight, queued: node.queued }).toEqual({ inFlight: 0, queued: 0 });
  });
});
