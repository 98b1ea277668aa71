import { describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../src/common/errors.js';
import { Sfc32 } from '../../src/controller/index.js';

/** The widely published JavaScript sfc32 (as in PractRand's C: tmp = a + b + counter++ …), written independently here. */
function referenceSfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
}

describe('Sfc32', () => {
  it('computes the sfc32 sequence of the reference implementation', () => {
    const state = [0x9e3779b9, 0x243f6a88, 0xb7e15162, 5] as const;
    const ours = Sfc32.fromState([...state]);
    const reference = referenceSfc32(...state);
    for (let i = 0; i < 1000; i++) expect(ours.nextUint32()).toBe(reference());
  });

  it('is deterministic per seed and differs between seeds', () => {
    const draw = (seed: number) =>
      Array.from(
        { length: 8 },
        (
          (rng) => () =>
            rng.nextUint32()
        )(Sfc32.fromSeed(seed)),
      );
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    expect(draw(0)).not.toEqual(draw(2 ** 32)); // high bits of the seed count
  });

  it('resumes exactly from its state', () => {
    const rng = Sfc32.fromSeed(42);
    for (let i = 0; i < 10; i++) rng.next();
    const copy = Sfc32.fromState(JSON.parse(JSON.stringify(rng.state())));
    expect(Array.from({ length: 20 }, () => copy.next())).toEqual(Array.from({ length: 20 }, () => rng.next()));
  });

  it('draws floats in [0, 1) and integers in [0, n) roughly uniformly', () => {
    const rng = Sfc32.fromSeed(1);
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 50_000; i++) {
      const x = rng.next();
      expect(x >= 0 && x < 1).toBe(true);
      counts[rng.int(5)]++;
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
  });

  it('rejects bad seeds and states with a clear error', () => {
    expect(() => Sfc32.fromSeed(1.5)).toThrow(/seed must be an integer/);
    expect(() => Sfc32.fromState([1, 2, 3])).toThrow(BlockqnnError);
    expect(() => Sfc32.fromState([1, 2, 3, -1])).toThrow(/four uint32 integers/);
  });
});
