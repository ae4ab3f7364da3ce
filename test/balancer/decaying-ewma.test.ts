import { describe, expect, it } from 'vitest';
import { DecayingEwma, floorEwma, peakEwma } from '../../src/load/decaying-ewma.js';

/** An EWMA of the given shape on a clock the test sets (`clock.t`, ms). */
function clockedWith(shape: typeof peakEwma, tauMs = 1000) {
  const clock = { t: 0 };
  return { clock, ewma: shape(tauMs, () => clock.t) };
}

describe('peakEwma', () => {
  const clocked = (tauMs?: number) => clockedWith(peakEwma, tauMs);

  it('is 0 before any sample', () => {
    expect(clocked().ewma.value).toBe(0);
  });

  it('jumps to a sample above the estimate at once', () => {
    const { clock, ewma } = clocked();
    ewma.observe(10);
    expect(ewma.value).toBe(10);
    clock.t = 1;
    ewma.observe(50);
    expect(ewma.value).toBe(50);
  });

  it('blends a lower sample in with weight 1 - exp(-Δt/τ)', () => {
    const { clock, ewma } = clocked(1000);
    ewma.observe(50);
    clock.t = 500;
    ewma.observe(10);
    const w = Math.exp(-0.5);
    expect(ewma.value).toBeCloseTo(50 * w + 10 * (1 - w), 12);
    expect(ewma.value).toBeCloseTo(34.2612, 4);
  });

  it('converges to a steady sample from above', () => {
    const { clock, ewma } = clocked(100);
    ewma.observe(50);
    for (let i = 1; i <= 200; i++) {
      clock.t = i * 10;
      ewma.observe(5);
    }
    expect(ewma.value).toBeCloseTo(5, 6);
  });

  it('decays toward 0 on read, without changing the stored estimate', () => {
    const { clock, ewma } = clocked(1000);
    ewma.observe(40);
    clock.t = 1000;
    expect(ewma.value).toBeCloseTo(40 / Math.E, 12);
    expect(ewma.value).toBeCloseTo(40 / Math.E, 12);
    clock.t = 20_000;
    expect(ewma.value).toBeLessThan(1e-6);
    clock.t = 2000;
    expect(ewma.value).toBeCloseTo(40 * Math.exp(-2), 12);
  });

  it('rejects a non-positive time constant', () => {
    expect(() => peakEwma(0)).toThrow(RangeError);
    expect(() => new DecayingEwma(Number.NaN, 0, 1)).toThrow('DecayingEwma: tauMs must be > 0, got NaN');
    expect(() => new DecayingEwma(1000, -1, 1)).toThrow('riseMs and fallMs must be >= 0, got -1, 1');
  });
});

describe('floorEwma', () => {
  const clocked = (tauMs?: number) => clockedWith(floorEwma, tauMs);

  it('takes its first sample as the estimate', () => {
    const { ewma } = clocked();
    ewma.observe(7);
    expect(ewma.value).toBe(7);
  });

  it('falls to a lower sample with time constant τ × 0.03 and rises with τ × 0.3', () => {
    const { clock, ewma } = clocked(1000);
    ewma.observe(10);
    clock.t = 30;
    ewma.observe(2);
    const fallen = 10 * Math.exp(-1) + 2 * (1 - Math.exp(-1));
    expect(ewma.value).toBeCloseTo(fallen, 10);
    clock.t = 60;
    ewma.observe(20);
    const w = Math.exp(-30 / 300);
    const stored = fallen * w + 20 * (1 - w);
    expect(ewma.value).toBeCloseTo(stored, 10);
  });

  it('after a pause, a sample above the decayed value but below the stored one is taken as it is', () => {
    const { clock, ewma } = clocked(1000);
    ewma.observe(1);
    clock.t = 300;
    expect(ewma.value).toBeCloseTo(Math.exp(-0.3), 12);
    ewma.observe(0.8);
    expect(ewma.value).toBe(0.8);
  });

  it('keeps the floor of noisy samples: a lone overshoot moves it little', () => {
    const { clock, ewma } = clocked(1000);
    for (let i = 0; i < 100; i++) {
      clock.t = i * 5;
      ewma.observe(i === 50 ? 12 : 2 + (i % 3) * 0.1);
    }
    expect(ewma.value).toBeLessThan(2.3);
  });

  it('follows a node that turns ten times slower within τ × 0.3', () => {
    const { clock, ewma } = clocked(1000);
    for (let i = 0; i < 50; i++) {
      clock.t = i * 5;
      ewma.observe(2);
    }
    for (let i = 1; i <= 30; i++) {
      clock.t = 250 + i * 10;
      ewma.observe(20);
    }
    expect(ewma.value).toBeGreaterThan(2 + 18 * (1 - Math.exp(-1)) - 0.5);
  });
});
