import { describe, expect, it } from 'vitest';
import { murmur3 } from '../../src/common/murmur3.js';

describe('murmur3', () => {
  it('matches the reference MurmurHash3_x86_32 vectors', () => {
    expect(murmur3('')).toBe(0);
    expect(murmur3('', 1)).toBe(0x514e28b7);
    expect(murmur3('hello')).toBe(0x248bfa47);
    expect(murmur3('aaaa', 0x9747b28c)).toBe(0x5a97808a);
    expect(murmur3('Hello, world!', 1234)).toBe(0xfaf6cdb3);
    expect(murmur3('The quick brown fox jumps over the lazy dog')).toBe(0x2e4ff723);
  });

  it('hashes the UTF-8 bytes of non-ASCII text (2-, 3- and 4-byte sequences)', () => {
    // Reference value computed on the UTF-8 bytes c3 bc e2 82 ac f0 9d 84 9e.
    expect(murmur3('ü€𝄞')).toBe(0x9d71991d);
  });
});
