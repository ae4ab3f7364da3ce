import { describe, expect, it } from 'vitest';
import { PeakEwma } from '../../src/client/peak-ewma.js';

describe('PeakEwma', () => {
  function clocked(tauMs = 1000) {
    const clock = { t: 0 };
    return { clock, ewma: new PeakEwma(tauMs, () => clock.t) };
  }

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
    expect(() => new PeakEwma(0)).toThrow(RangeError);
  });
});
