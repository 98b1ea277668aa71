/**
 * The controller's seeded random stream: sfc32 (Chris Doty-Humphrey's "Small
 * Fast Chaotic" generator from PractRand, public domain), 128 bits of state in
 * four uint32 words. Its whole state is four integers, so it goes into a
 * strategy snapshot as JSON and a restored search draws exactly the numbers the
 * interrupted one would have drawn.
 *
 *   t = a + b + counter;  counter += 1
 *   a = b ^ (b >>> 9);  b = c + (c << 3);  c = rotl(c, 21) + t
 *   out = t   (all arithmetic mod 2^32)
 *
 * Seeding: the four words come from splitmix32 of the seed (so seeds 0, 1, 2 …
 * give unrelated streams), then 12 outputs are discarded to mix the state, as
 * PractRand recommends.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';

/** What strategies and spaces draw from: uniform floats and integers. */
export interface Rng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

export type RngState = [number, number, number, number];

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  private constructor(state: RngState) {
    [this.a, this.b, this.c, this.d] = state;
  }

  /** A stream from an integer seed (any safe integer; only its low 32 bits and high bits are mixed in). */
  static fromSeed(seed: number): Sfc32 {
    if (!Number.isSafeInteger(seed)) {
      throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `seed must be an integer, got ${String(seed)}`, {
        hint: 'pass --seed with a whole number, e.g. --seed 1',
      });
    }
    const high = Math.floor(seed / 2 ** 32);
    const mix = splitmix32((seed >>> 0) ^ Math.imul(high, 0x27d4eb2d));
    const rng = new Sfc32([mix(), mix(), mix(), mix()]);
    for (let i = 0; i < 12; i++) rng.nextUint32();
    return rng;
  }

  /** Resumes a stream from {@link state}; the words must be uint32 integers. */
  static fromState(state: readonly number[]): Sfc32 {
    if (!Array.isArray(state) || state.length !== 4 || !state.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)) {
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, `invalid RNG state ${JSON.stringify(state)}: expected four uint32 integers`, {
        hint: 'restore from a snapshot written by snapshot(), unmodified',
      });
    }
    return new Sfc32([state[0]!, state[1]!, state[2]!, state[3]!]);
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.nextUint32() / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  state(): RngState {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
  }
}
