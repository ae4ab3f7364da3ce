import { describe, expect, it } from 'vitest';
import { type RpcError, Status, seededRandom } from 'switchboard';
import { AdaptiveThrottle } from '../../src/client/call/adaptive-throttle.js';
import { useEchoCluster } from '../helpers/echo-cluster.js';

/** The book's formula, written out again for the replay. */
const formula = (requests: number, accepts: number, k: number) =>
  Math.max(0, (requests - k * accepts) / (requests + 1));

describe('AdaptiveThrottle', () => {
  it('refuses with probability max(0, (requests − k·accepts) / (requests + 1)), replayed with the same seed', () => {
    const throttle = new AdaptiveThrottle('Echo', { k: 2, windowMs: 1000, minRequests: 0 }, seededRandom(7));
    // 10 answers, 3 of them accepted (an application error is accepted); CANCELLED counts in neither.
    const codes = [Status.OK, Status.NOT_FOUND, Status.OK, ...Array<number>(7).fill(Status.RESOURCE_EXHAUSTED)];
    for (const code of codes) throttle.record(code, code === Status.RESOURCE_EXHAUSTED, 0);
    throttle.record(Status.CANCELLED, false, 0);
    expect(throttle.stats(0)).toMatchObject({ requests: 10, accepts: 3, rejected: 0 });
    expect(throttle.rejectProbability(0)).toBe(4 / 11);

    // 40 attempts: each refused one is a request more; each let through is answered UNAVAILABLE.
    const replay = seededRandom(7);
    let requests = 10;
    let expected = 0;
    let refused = 0;
    for (let i = 0; i < 40; i++) {
      const p = formula(requests, 3, 2);
      const refuse = p > 0 && replay() < p;
      if (refuse) expected++;
      try {
        throttle.admit('/test.Echo/Unary', 0);
        throttle.record(Status.UNAVAILABLE, true, 0);
      } catch (error) {
        refused++;
        expect((error as RpcError).code).toBe(Status.RESOURCE_EXHAUSTED);
        expect((error as RpcError).message).toMatch(
          new RegExp(
            "Echo: refused by the client's adaptive throttle with probability 0\\.\\d\\d: " +
              'the nodes accepted 3 of \\d+ requests in the last 1 s \\(throttle\\.k 2\\)',
          ),
        );
      }
      requests++;
    }
    expect(refused).toBe(expected);
    expect(refused).toBeGreaterThan(10);
    expect(throttle.stats(0)).toEqual({
      k: 2,
      windowMs: 1000,
      minRequests: 0,
      requests: 50,
      accepts: 3,
      rejectProbability: formula(50, 3, 2),
      rejected: expected,
    });
  });

  it('refuses nothing while the nodes accept more than 1/k, and forgets what left the window', () => {
    const never = () => 0;
    const throttle = new AdaptiveThrottle('Echo', { k: 2, windowMs: 1000, minRequests: 0 }, never);
    for (let i = 0; i < 100; i++) throttle.record(i % 2 === 0 ? Status.OK : Status.UNAVAILABLE, i % 2 === 1, 0);
    expect(throttle.rejectProbability(0)).toBe(0);
    throttle.admit('/test.Echo/Unary', 0);
    for (let i = 0; i < 100; i++) throttle.record(Status.RESOURCE_EXHAUSTED, true, 950);
    expect(throttle.rejectProbability(950)).toBe(formula(200, 50, 2));
    // At 1000 ms the first 100 ms bucket has left the window, at 1900 ms all of it.
    expect(throttle.stats(1000)).toMatchObject({ requests: 100, accepts: 0, rejectProbability: formula(100, 0, 2) });
    expect(throttle.stats(1900)).toMatchObject({ requests: 0, accepts: 0, rejectProbability: 0 });
  });

  it('refuses nothing while the window holds fewer than minRequests (default 20), then follows the formula', () => {
    const always = () => 0;
    const throttle = new AdaptiveThrottle('Echo', { windowMs: 1000 }, always);
    // Two refusals and one accept: the formula alone says ¼.
    for (const code of [Status.UNAVAILABLE, Status.OK, Status.UNAVAILABLE]) {
      throttle.record(code, code === Status.UNAVAILABLE, 0);
    }
    expect(throttle.stats(0)).toMatchObject({ minRequests: 20, requests: 3, accepts: 1, rejectProbability: 0 });
    for (let i = 0; i < 16; i++) {
      throttle.admit('/test.Echo/Unary', 0);
      throttle.record(Status.UNAVAILABLE, true, 0);
    }
    expect(throttle.rejectProbability(0)).toBe(0);
    throttle.record(Status.UNAVAILABLE, true, 0);
    expect(throttle.rejectProbability(0)).toBe(formula(20, 1, 2));
    expect(() => throttle.admit('/test.Echo/Unary', 0)).toThrow('the nodes accepted 1 of 21 requests');
  });

  it('checks its options', () => {
    expect(() => new AdaptiveThrottle('Echo', { k: 0.5 }, Math.random)).toThrow(
      'createClient(Echo): throttle.k must be 1 or more, got 0.5',
    );
    expect(() => new AdaptiveThrottle('Echo', { windowMs: 0 }, Math.random)).toThrow(
      'createClient(Echo): throttle.windowMs must be a positive number, got 0',
    );
    expect(() => new AdaptiveThrottle('Echo', { minRequests: 2.5 }, Math.random)).toThrow(
      'createClient(Echo): throttle.minRequests must be an integer ≥ 0, got 2.5',
    );
  });
});

describe('the adaptive throttle on a client', () => {
  const cluster = useEchoCluster();

  it('refuses calls locally once the nodes refuse: the nodes see only the calls it let through', async () => {
    await cluster.start(2, () => ({ failWith: Status.RESOURCE_EXHAUSTED }));
    // The client's `random` feeds only the throttle here (RESOURCE_EXHAUSTED is not retried).
    const client = cluster.client({ random: seededRandom(3), throttle: { minRequests: 0 } });
    await client.ready({ all: true });
    const errors: RpcError[] = [];
    for (let i = 0; i < 60; i++) {
      errors.push(
        await client.unary({ text: String(i) }).then(
          () => expect.fail('answered'),
          (e: RpcError) => e,
        ),
      );
    }
    const replay = seededRandom(3);
    let requests = 0;
    let expected = 0;
    for (let i = 0; i < 60; i++) {
      const p = formula(requests, 0, 2);
      if (p > 0 && replay() < p) expected++;
      requests++;
    }
    const local = errors.filter((e) => e.message.includes('adaptive throttle'));
    expect(errors.every((e) => e.code === Status.RESOURCE_EXHAUSTED)).toBe(true);
    expect(local.length).toBe(expected);
    const stats = client.stats();
    expect(stats.calls).toBe(60 - expected);
    expect(stats.throttle).toMatchObject({ k: 2, requests: 60, accepts: 0, rejected: expected });
    expect(stats.throttle?.rejectProbability).toBe(formula(60, 0, 2));
  });

  it("counts retries but refuses first attempts only: a call that was sent fails with its nodes' answer", async () => {
    await cluster.start(3, () => ({ failWith: Status.UNAVAILABLE }));
    const client = cluster.client({
      outlierDetection: false,
      retry: { maxAttempts: 3 },
      random: () => 0,
      throttle: { minRequests: 0 },
    });
    await client.ready({ all: true });
    const first = await client.unary({ text: 'x' }).catch((e: RpcError) => e);
    expect((first as RpcError).code).toBe(Status.UNAVAILABLE);
    expect(client.stats().throttle).toMatchObject({ requests: 3, accepts: 0, rejectProbability: 3 / 4, rejected: 0 });
    // The next call's first attempt: refused locally (the draw 0 is below 3/4), before any node sees it.
    const second = await client.unary({ text: 'y' }).catch((e: RpcError) => e);
    expect((second as RpcError).code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(client.stats()).toMatchObject({ calls: 3, throttle: { requests: 4, rejected: 1 } });
  });

  it('is off with throttle: false', async () => {
    await cluster.start(1, () => ({ failWith: Status.RESOURCE_EXHAUSTED }));
    const client = cluster.client({ throttle: false });
    await client.ready();
    for (let i = 0; i < 20; i++) await client.unary({ text: 'x' }).catch(() => {});
    expect(client.stats().calls).toBe(20);
    expect(client.stats().throttle).toBeUndefined();
  });
});
