/** Checks and steps every user source shares: class counts, label range, and a test split when the data has none. */
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { splitIndices } from '../split.js';
import { gather } from '../transform.js';
import type { ImageSet, ImageShape } from '../types.js';

/** Labels are stored as bytes (the cache format): at most 256 classes. */
export const MAX_CLASSES = 256;

/** Share of a source's images held out as its test set when it has none of its own. */
export const TEST_FRACTION = 0.2;
/** Fixed, so a pack (and its hash) depends on the data only; the search's own seed splits train / validation. */
export const TEST_SPLIT_SEED = 0;

export function invalidSource(where: string, problem: string, hint: string): BlockqnnError {
  return new BlockqnnError(ErrorCode.INVALID_INPUT, `${where}: ${problem}`, { hint, details: { source: where } });
}

/** Refuses fewer than two classes or more than the byte labels hold. */
export function checkClassCount(where: string, count: number, hint: string): void {
  if (count < 2) throw invalidSource(where, `has ${count === 0 ? 'no classes' : 'a single class'}; a classifier needs at least two`, hint);
  if (count > MAX_CLASSES)
    throw invalidSource(where, `has ${count} classes; blockqnn stores labels as bytes, at most ${MAX_CLASSES}`, hint);
}

/**
 * Carves a stratified test set out of a pool that came without one: the
 * images the seeded stratified walk of split.ts would hold out for validation.
 */
export function splitOffTest(pool: ImageSet, shape: ImageShape, classCount: number): { pool: ImageSet; test: ImageSet; note: string } {
  const take = Math.max(1, Math.round(pool.count * TEST_FRACTION));
  const { train, validation } = splitIndices(pool.labels, classCount, { seed: TEST_SPLIT_SEED, validationSize: take });
  // Keep the pool in its original order, so packs are easy to compare with the source.
  const keep = Uint32Array.from(train).sort();
  const test = Uint32Array.from(validation).sort();
  return {
    pool: gather(pool, shape, keep),
    test: gather(pool, shape, test),
    note: `no test set in the source: ${test.length} images (${Math.round(TEST_FRACTION * 100)}%, stratified, seed ${TEST_SPLIT_SEED}) held out as the test set`,
  };
}

/** Counts of each class, for messages and `data inspect`. */
export function classCounts(labels: Uint8Array, classCount: number): number[] {
  const counts = new Array<number>(classCount).fill(0);
  for (const label of labels) counts[label]! += 1;
  return counts;
}
