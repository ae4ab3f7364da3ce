/**
 * MurmurHash3, x86 32-bit variant (Austin Appleby, public domain), over the UTF-8 bytes of
 * a string, for consistent hashing of routing keys.
 *
 * Why our own 40 lines instead of a package: the maintained npm ports hash byte arrays
 * (`murmurhash3js-revisited`: the key would be encoded into a new Uint8Array on every
 * pick) or emulate 64-bit words with objects (`xxhashjs` on `cuint`); both allocate per
 * call, which the pick path must not. This version walks the string's UTF-16 code units,
 * emits their UTF-8 bytes into a 32-bit accumulator and never allocates. The output equals
 * the reference implementation's on the UTF-8 encoding of the string (tested against its
 * published vectors). Not a cryptographic hash.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

// The running state of one hash. Module-level rather than a closure so that hashing
// allocates nothing; `murmur3` never yields, so calls cannot interleave.
let h = 0;
let k = 0;
let bytes = 0;

function push(byte: number): void {
  k |= byte << ((bytes & 3) << 3);
  bytes++;
  if ((bytes & 3) === 0) {
    h ^= mixK(k);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    k = 0;
  }
}

/** MurmurHash3_x86_32 of the UTF-8 encoding of `text`, as an unsigned 32-bit integer. */
export function murmur3(text: string, seed = 0): number {
  h = seed | 0;
  k = 0;
  bytes = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      push(c);
      continue;
    }
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c < 0xe000) c = 0xfffd; // a lone surrogate encodes as U+FFFD, as TextEncoder does
    if (c < 0x800) {
      push(0xc0 | (c >> 6));
    } else if (c < 0x10000) {
      push(0xe0 | (c >> 12));
      push(0x80 | ((c >> 6) & 0x3f));
    } else {
      push(0xf0 | (c >> 18));
      push(0x80 | ((c >> 12) & 0x3f));
      push(0x80 | ((c >> 6) & 0x3f));
    }
    push(0x80 | (c & 0x3f));
  }
  if ((bytes & 3) !== 0) h ^= mixK(k);
  h ^= bytes;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mixK(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}
