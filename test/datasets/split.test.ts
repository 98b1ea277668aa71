import { describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../src/common/errors.js';
import { defaultValidationSize, splitIndices, stratifiedQuotas, takeStratified } from '../../src/datasets/split.js';

/** An unbalanced pool: class c has 100 + 37c images, grouped by class as MNIST's package pool is. */
const labels = Uint8Array.from(Array.from({ length: 10 }, (_, c) => new Array<number>(100 + 37 * c).fill(c)).flat());
const countBy = (indices: Uint32Array) => {
  const counts = new Array<number>(10).fill(0);
  for (const i of indices) counts[labels[i]!]!++;
  return counts;
};

describe('stratifiedQuotas', () => {
  it('shares the total in proportion, largest remainder first, ties to the lower class', () => {
    expect(stratifiedQuotas([50, 30, 20], 10)).toEqual([5, 3, 2]);
    expect(stratifiedQuotas([1, 1, 1], 2)).toEqual([1, 1, 0]);
    expect(stratifiedQuotas([10, 0, 5], 3)).toEqual([2, 0, 1]);
  });
});

describe('takeStratified', () => {
  it('keeps the first quota of each class in order and returns the rest in order', () => {
    const order = Uint32Array.of(5, 0, 1, 6, 2, 7);
    const two = Uint8Array.of(0, 0, 0, 1, 1, 1, 1, 1);
    const { taken, rest } = takeStratified(order, two, 2, 2);
    expect([...taken]).toEqual([5, 0]);
    expect([...rest]).toEqual([1, 6, 2, 7]);
  });
});

describe('splitIndices', () => {
  const n = labels.length;

  it('is deterministic per seed, differs across seeds, and train and validation are disjoint and cover the pool', () => {
    const a = splitIndices(labels, 10, { seed: 1, validationSize: 300 });
    expect(splitIndices(labels, 10, { seed: 1, validationSize: 300 })).toEqual(a);
    expect(splitIndices(labels, 10, { seed: 2, validationSize: 300 }).validation).not.toEqual(a.validation);
    expect(a.validation.length).toBe(300);
    expect(a.train.length).toBe(n - 300);
    const all = new Set([...a.train, ...a.validation]);
    expect(all.size).toBe(n);
    expect(Math.max(...all)).toBe(n - 1);
  });

  it('stratifies the validation set: each class within one image of its share', () => {
    const { validation } = splitIndices(labels, 10, { seed: 5, validationSize: 300 });
    countBy(validation).forEach((count, c) => expect(Math.abs(count - (300 * (100 + 37 * c)) / n)).toBeLessThan(1));
  });

  it('leaves the training order shuffled, not grouped by the class quotas that filled first', () => {
    const { train } = splitIndices(labels, 10, { seed: 0, validationSize: 300 });
    const head = countBy(train.subarray(0, 200));
    expect(head.filter((c) => c > 0).length).toBe(10);
  });

  it('takes a stratified subset of the training images', () => {
    const full = splitIndices(labels, 10, { seed: 3, validationSize: 300 });
    const sub = splitIndices(labels, 10, { seed: 3, validationSize: 300, subset: 100 });
    expect(sub.validation).toEqual(full.validation);
    expect(sub.train.length).toBe(100);
    const fullSet = new Set(full.train);
    expect([...sub.train].every((i) => fullSet.has(i))).toBe(true);
    const trainPool = n - 300;
    countBy(sub.train).forEach((count, c) => {
      const left = 100 + 37 * c - countBy(full.validation)[c]!;
      expect(Math.abs(count - (100 * left) / trainPool)).toBeLessThan(1);
    });
  });

  it('rejects a validation set or subset too large for the pool, naming the limit', () => {
    expect(() => splitIndices(labels, 10, { seed: 0, validationSize: n })).toThrow(/leaves no training images/);
    const error = (() => {
      try {
        splitIndices(labels, 10, { seed: 0, validationSize: 10, subset: n });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(BlockqnnError);
    expect((error as BlockqnnError).message).toContain(`subset ${n} is larger than the ${n - 10} training images`);
    expect((error as BlockqnnError).hint).toContain(`at most ${n - 10}`);
  });

  it('defaults the validation set to 10% of the pool', () => {
    expect(defaultValidationSize(50000)).toBe(5000);
    expect(defaultValidationSize(8004)).toBe(800);
    expect(defaultValidationSize(3)).toBe(1);
  });
});
