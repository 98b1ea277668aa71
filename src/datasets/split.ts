/**
 * Train / validation split and training subset, both seeded and stratified.
 *
 * 1. `next = mulberry32(seed)`; `order = shuffle([0 .. poolSize-1], next)` (prng.ts).
 * 2. Validation: walk `order` and keep the first `quota[c]` images of each class c,
 *    where the quotas share `validationSize` among classes in proportion to their
 *    frequency in the pool (largest remainder; ties go to the lower class index).
 *    Stratified so a small validation set still weighs every class fairly: it is
 *    the search's fitness signal.
 * 3. Train: the rest of `order`, shuffled again with the same `next` (the rest
 *    alone would start with the classes whose validation quota filled first).
 *    With `subset`, the same stratified walk over it keeps `subset` images.
 *
 * Both index lists are stored in the cache file, so no other language has to
 * repeat these steps.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { mulberry32, shuffleInPlace } from './prng.js';

export interface SplitOptions {
  readonly seed: number;
  readonly validationSize: number;
  readonly subset?: number | undefined;
}

export interface SplitIndices {
  readonly train: Uint32Array;
  readonly validation: Uint32Array;
}

/** The default validation size: 10% of the training pool, rounded (CIFAR-10: 5,000 of 50,000). */
export function defaultValidationSize(poolSize: number): number {
  return Math.max(1, Math.round(poolSize / 10));
}

/** How many of `take` items each class gets, proportional to `counts` (largest remainder). */
export function stratifiedQuotas(counts: readonly number[], take: number): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const quotas = counts.map((n) => Math.floor((take * n) / total));
  let left = take - quotas.reduce((a, b) => a + b, 0);
  const byRemainder = counts.map((n, c) => ({ c, rest: (take * n) % total })).sort((a, b) => b.rest - a.rest || a.c - b.c);
  for (const { c } of byRemainder) {
    if (left === 0) break;
    quotas[c]! += 1;
    left -= 1;
  }
  return quotas;
}

/** Keeps the first quota[c] items of each class in `order`; returns them and the rest, both in order. */
export function takeStratified(
  order: Uint32Array,
  labels: Uint8Array,
  classCount: number,
  take: number,
): { taken: Uint32Array; rest: Uint32Array } {
  const counts = new Array<number>(classCount).fill(0);
  for (const i of order) counts[labels[i]!]! += 1;
  const quotas = stratifiedQuotas(counts, take);
  const taken = new Uint32Array(take);
  const rest = new Uint32Array(order.length - take);
  let t = 0;
  let r = 0;
  for (const i of order) {
    const c = labels[i]!;
    if (quotas[c]! > 0) {
      quotas[c]! -= 1;
      taken[t++] = i;
    } else {
      rest[r++] = i;
    }
  }
  return { taken, rest };
}

/** Splits a pool with these labels into train and validation positions. */
export function splitIndices(labels: Uint8Array, classCount: number, options: SplitOptions): SplitIndices {
  const pool = labels.length;
  const { seed, validationSize, subset } = options;
  if (validationSize >= pool) {
    throw new BlockqnnError(
      ErrorCode.INVALID_CONFIG,
      `validationSize ${validationSize} leaves no training images: the training pool has ${pool}`,
      {
        hint: `choose a validationSize below ${pool} (default: ${defaultValidationSize(pool)})`,
      },
    );
  }
  const next = mulberry32(seed);
  const order = new Uint32Array(pool);
  for (let i = 0; i < pool; i++) order[i] = i;
  const { taken: validation, rest } = takeStratified(shuffleInPlace(order, next), labels, classCount, validationSize);
  shuffleInPlace(rest, next);
  if (subset === undefined) return { train: rest, validation };
  if (subset > rest.length) {
    throw new BlockqnnError(
      ErrorCode.INVALID_CONFIG,
      `subset ${subset} is larger than the ${rest.length} training images left after a ${validationSize}-image validation split`,
      { hint: `choose a subset of at most ${rest.length}, or leave it out to train on all of them` },
    );
  }
  return { train: takeStratified(rest, labels, classCount, subset).taken, validation };
}
