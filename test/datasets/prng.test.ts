import { describe, expect, it } from 'vitest';
import { MAX_PERMUTATION_LENGTH, mulberry32, permutation, shuffleInPlace } from '../../src/datasets/prng.js';
import { BlockqnnError } from '../../src/common/errors.js';

/** mulberry32 written again with BigInt and explicit 32-bit masks, as another language would. */
function referenceMulberry32(seed: number): () => number {
  const M = 0xffffffffn;
  const imul = (a: bigint, b: bigint) => (a * b) & M;
  let a = BigInt(seed) & M;
  return () => {
    a = (a + 0x6d2b79f5n) & M;
    let t = a;
    t = imul(t ^ (t >> 15n), t | 1n);
    t = (t ^ ((t + imul(t ^ (t >> 7n), t | 61n)) & M)) & M;
    return Number((t ^ (t >> 14n)) & M);
  };
}

describe('mulberry32', () => {
  it('matches an independent 32-bit reimplementation for several seeds', () => {
    for (const seed of [0, 1, 42, 0xdeadbeef, 0xffffffff]) {
      const fast = mulberry32(seed);
      const slow = referenceMulberry32(seed);
      for (let i = 0; i < 1000; i++) expect(fast()).toBe(slow());
    }
  });

  it('pins the first outputs for seed 0, so a change to the split is noticed', () => {
    const next = mulberry32(0);
    expect([next(), next(), next(), next()]).toEqual([1144304738, 1416247, 958946056, 627933444]);
  });
});

describe('permutation', () => {
  it('is a permutation, the same for the same seed and different across seeds', () => {
    const a = permutation(5000, 7);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(permutation(5000, 7)).toEqual(a);
    expect(permutation(5000, 8)).not.toEqual(a);
  });

  it('follows the documented rule j = floor(next * (i + 1) / 2^32)', () => {
    const next = referenceMulberry32(3);
    const p = [0, 1, 2, 3, 4, 5, 6, 7];
    for (let i = p.length - 1; i > 0; i--) {
      const j = Number((BigInt(next()) * BigInt(i + 1)) >> 32n);
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    expect([...permutation(8, 3)]).toEqual(p);
  });

  it('puts every item in every position about equally often', () => {
    const counts = Array.from({ length: 4 }, () => new Array<number>(4).fill(0));
    for (let seed = 0; seed < 4000; seed++) permutation(4, seed).forEach((item, pos) => counts[item]![pos]!++);
    for (const row of counts) for (const c of row) expect(c).toBeGreaterThan(850); // expected 1000 each
  });

  it('refuses lengths beyond the exact-arithmetic bound', () => {
    expect(() => shuffleInPlace(new Uint32Array(MAX_PERMUTATION_LENGTH + 1), mulberry32(0))).toThrow(BlockqnnError);
  });
});
