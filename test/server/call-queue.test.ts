import { describe, expect, it } from 'vitest';
import { CallQueue, type QueueOptions } from '../../src/server/call-queue.js';

interface Call {
  readonly name: string;
  readonly queuedAt: number;
}

function queueOf(discipline: QueueOptions['discipline'], clock: { t: number }) {
  const queue = new CallQueue<Call>({ discipline: discipline!, targetMs: 5, intervalMs: 100 }, () => clock.t);
  const dropped: string[] = [];
  const push = (...names: string[]) => {
    for (const name of names) queue.push({ name, queuedAt: clock.t });
  };
  const take = () => queue.take((call, sojournMs, allowedMs) => dropped.push(`${call.name} ${sojournMs}/${allowedMs}`));
  return { queue, dropped, push, take };
}

describe('CallQueue', () => {
  it('fifo: arrival order however long the queue stands', () => {
    const clock = { t: 0 };
    const { queue, push, take } = queueOf('fifo', clock);
    push('a', 'b', 'c');
    clock.t = 1000;
    expect(queue.ahead).toBe(3);
    expect([take()?.name, take()?.name, take()?.name, take()]).toEqual(['a', 'b', 'c', undefined]);
  });

  it('adaptive-lifo: arrival order while the queue is younger than the interval, newest first after', () => {
    const clock = { t: 0 };
    const { queue, push, take } = queueOf('adaptive-lifo', clock);
    push('a', 'b');
    clock.t = 99;
    expect(queue.ahead).toBe(2);
    expect(take()?.name).toBe('a');
    push('c', 'd');
    clock.t = 100; // non-empty since t = 0
    expect(queue.ahead).toBe(0);
    expect([take()?.name, take()?.name, take()?.name]).toEqual(['d', 'c', 'b']);
    // Emptied: the next queue starts young again.
    push('e', 'f');
    clock.t = 150;
    expect(take()?.name).toBe('e');
  });

  it('codel: a young queue lets calls wait up to the interval; a standing one drops the head over the target', () => {
    const clock = { t: 0 };
    const { push, take, dropped } = queueOf('codel', clock);
    push('a');
    clock.t = 60;
    push('b');
    clock.t = 99; // young: a has waited 99 ms, under the 100 ms interval
    expect(take()?.name).toBe('a');
    expect(dropped).toEqual([]);
    clock.t = 101;
    push('c');
    clock.t = 104; // standing since t = 0: b (44 ms) is over the 5 ms target, c (3 ms) is not
    expect(take()?.name).toBe('c');
    expect(dropped).toEqual(['b 44/5']);
    expect(take()).toBeUndefined();
  });

  it('remove takes out a call that gave up, once', () => {
    const clock = { t: 0 };
    const { queue, take } = queueOf('fifo', clock);
    const a = { name: 'a', queuedAt: 0 };
    queue.push(a);
    queue.push({ name: 'b', queuedAt: 0 });
    expect(queue.remove(a)).toBe(true);
    expect(queue.remove(a)).toBe(false);
    expect([queue.length, take()?.name]).toEqual([1, 'b']);
  });
});
