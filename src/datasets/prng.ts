/**
 * The split's own PRNG, so a split depends on nothing but its seed (not on
 * Math.random, not on a library version) and another language can redo it.
 * Python never has to (the split indices are stored in the cache file), but the
 * algorithm is small and exact:
 *
 *   mulberry32 (Tommy Ettinger, public domain), state a = seed (uint32):
 *     a = (a + 0x6D2B79F5) mod 2^32; t = a
 *     t = imul(t ^ (t >>> 15), t | 1)
 *     t ^= t + imul(t ^ (t >>> 7), t | 61)
 *     out = (t ^ (t >>> 14)) mod 2^32
 *   (imul: 32-bit wrapping multiply; all ops on uint32.)
 *
 *   shuffle(p, next): for i = len(p)-1 down to 1:
 *     j = floor(next() * (i + 1) / 2^32); swap p[i], p[j]
 *   (integer arithmetic: j = (next() * (i + 1)) >> 32, exact while n <= 2^21.)
 *   permutation(n, seed) = shuffle([0, 1, ..., n-1], mulberry32(seed)).
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';

/** Largest n for which `u32 * n` stays an exact double (2^32 · 2^21 = 2^53). */
export const MAX_PERMUTATION_LENGTH = 2 ** 21;

/** A mulberry32 stream of uint32 values. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Fisher–Yates in place, drawing from `next` (see the header for the exact rule). */
export function shuffleInPlace(items: Uint32Array, next: () => number): Uint32Array {
  const n = items.length;
  if (n > MAX_PERMUTATION_LENGTH) {
    throw new BlockqnnError(ErrorCode.TOO_LARGE, `cannot shuffle ${n} items: the split supports at most ${MAX_PERMUTATION_LENGTH}`);
  }
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor((next() * (i + 1)) / 4294967296);
    const swap = items[i]!;
    items[i] = items[j]!;
    items[j] = swap;
  }
  return items;
}

/** A seeded permutation of 0..n-1. */
export function permutation(n: number, seed: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return shuffleInPlace(p, mulberry32(seed));
}
