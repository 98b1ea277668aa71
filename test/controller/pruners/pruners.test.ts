/**
 * Pruner decisions on hand-made curves, each expected decision written from the
 * definitions: Optuna's MedianPruner (a PercentilePruner at 50, maximising) and
 * asynchronous successive halving as Optuna's SuccessiveHalvingPruner has it.
 * optuna-conformance.test.ts checks the same code against Optuna itself.
 */
import { describe, expect, it } from 'vitest';
import {
  AshaPruner,
  type EpochView,
  MedianPruner,
  createPruner,
  isFirstInIntervalStep,
  nanPercentile,
  normalizePrunerSpec,
  pruners,
  rungEpochs,
} from '../../../src/controller/pruners/index.js';

const median = (options: Record<string, number>, epochs = 6) => createPruner({ name: 'median', options }, epochs) as MedianPruner;
const asha = (options: Record<string, number>, epochs = 12) => createPruner({ name: 'asha', options }, epochs) as AshaPruner;
const view = (epoch: number, v: Partial<EpochView>): EpochView => ({
  epoch,
  completedCount: v.completed?.length ?? 0,
  reported: [],
  completed: [],
  ...v,
});

describe('median pruner (Optuna MedianPruner semantics)', () => {
  const p = median({ startupCandidates: 2, warmupEpochs: 1 });

  it('prunes when the best value so far is below the median of completed candidates at that epoch', () => {
    const completed = [0.5, 0.7, 0.9];
    expect(p.decide([0.6, 0.65], view(2, { completed }))).toBe('prune');
    // The best so far counts, not the last value: 0.75 at epoch 1 is above the median 0.7.
    expect(p.decide([0.75, 0.6], view(2, { completed }))).toBe('continue');
  });

  it('keeps a tie with the median, and interpolates an even count as NumPy does', () => {
    expect(p.decide([0.3, 0.7], view(2, { completed: [0.5, 0.7, 0.9] }))).toBe('continue');
    expect(p.decide([0.3, 0.49], view(2, { completed: [0.2, 0.4, 0.6, 0.8] }))).toBe('prune');
    expect(p.decide([0.3, 0.5], view(2, { completed: [0.2, 0.4, 0.6, 0.8] }))).toBe('continue');
  });

  it('decides nothing during the warm-up epochs', () => {
    expect(p.needs(1)).toBeNull();
    expect(p.decide([0.01], view(1, { completed: [0.9, 0.9, 0.9] }))).toBe('continue');
    expect(p.needs(2)).toEqual({ reported: false, completed: true });
  });

  it('decides nothing until startupCandidates completed, and never with none completed', () => {
    expect(p.decide([0.1, 0.1], view(2, { completed: [0.9], completedCount: 1 }))).toBe('continue');
    expect(p.decide([0.1, 0.1], view(2, { completed: [0.9, 0.9], completedCount: 2 }))).toBe('prune');
    const eager = median({ startupCandidates: 0 });
    expect(eager.decide([0.1], view(1, { completed: [], completedCount: 0 }))).toBe('continue');
  });

  it('counts NaN values toward minCandidates but leaves them out of the median; an all-NaN curve is pruned', () => {
    const strict = median({ startupCandidates: 0, minCandidates: 3 });
    expect(strict.decide([0.45], view(1, { completed: [Number.NaN, 0.4, 0.6] }))).toBe('prune'); // median of [0.4, 0.6] is 0.5
    expect(median({ startupCandidates: 0, minCandidates: 4 }).decide([0.45], view(1, { completed: [Number.NaN, 0.4, 0.6] }))).toBe(
      'continue',
    );
    expect(strict.decide([Number.NaN], view(1, { completed: [0.1, 0.1, 0.1] }))).toBe('prune');
    expect(strict.decide([0.0], view(1, { completed: [Number.NaN, Number.NaN, Number.NaN] }))).toBe('continue');
  });

  it('decides every `interval` epochs after the warm-up, never at the last epoch', () => {
    const every2 = median({ warmupEpochs: 1, interval: 2 }, 6);
    expect([1, 2, 3, 4, 5, 6, 7].map((e) => every2.needs(e) !== null)).toEqual([false, true, false, true, false, false, false]);
    expect(every2.decide([0.1, 0.1, 0.1], view(3, { completed: Array(5).fill(0.9) }))).toBe('continue');
    expect(every2.decide([0.1, 0.1, 0.1, 0.1], view(4, { completed: Array(5).fill(0.9) }))).toBe('prune');
    // Optuna postpones a check whose step was not reported to the next reported step.
    expect(isFirstInIntervalStep(5, [0, 1, 2, 5], 0, 4)).toBe(true);
    expect(isFirstInIntervalStep(6, [0, 1, 2, 3, 4, 5, 6], 0, 4)).toBe(false);
  });
});

describe('asha pruner (asynchronous successive halving)', () => {
  it('puts rungs at minResource·η^(s+k) before the last epoch', () => {
    expect(rungEpochs({ reductionFactor: 3, minResource: 1, minEarlyStoppingRate: 0, bootstrapCount: 0 }, 12)).toEqual([1, 3, 9]);
    expect(rungEpochs({ reductionFactor: 2, minResource: 2, minEarlyStoppingRate: 1, bootstrapCount: 0 }, 16)).toEqual([4, 8]);
    // A rung at the last epoch would save nothing: 3^1 = 3 is not a rung of a 3-epoch recipe.
    expect(rungEpochs({ reductionFactor: 3, minResource: 1, minEarlyStoppingRate: 0, bootstrapCount: 0 }, 3)).toEqual([1]);
    const p = asha({ reductionFactor: 3 });
    expect([1, 2, 3, 4, 9, 11, 12].map((e) => p.needs(e) !== null)).toEqual([true, false, true, false, true, false, false]);
    expect(p.needs(3)).toEqual({ reported: true, completed: false });
  });

  it('keeps the top ⌊n/η⌋ of the n values at a rung, itself included, ties kept', () => {
    const p = asha({ reductionFactor: 3 });
    const rung = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]; // n = 6, top 2: ≥ 0.8
    expect(p.decide([0.8], view(1, { reported: rung }))).toBe('continue');
    expect(p.decide([0.7], view(1, { reported: rung }))).toBe('prune');
    expect(p.decide([0.8], view(1, { reported: [0.9, 0.8, 0.8, 0.6, 0.5, 0.4] }))).toBe('continue');
    // Past a rung, the next decision is at the next rung, on that rung's values.
    expect(p.decide([0.9, 0.1, 0.5], view(3, { reported: [0.5, 0.6, 0.7] }))).toBe('prune');
    expect(p.decide([0.9, 0.1, 0.7], view(3, { reported: [0.5, 0.6, 0.7] }))).toBe('continue');
  });

  it("with fewer than η values, only the best so far continues (Optuna's rule: top 1)", () => {
    const p = asha({ reductionFactor: 4 });
    expect(p.decide([0.3], view(1, { reported: [0.3] }))).toBe('continue'); // the first to reach a rung
    expect(p.decide([0.3], view(1, { reported: [0.5, 0.3] }))).toBe('prune');
    expect(p.decide([0.5], view(1, { reported: [0.5, 0.3, 0.5] }))).toBe('continue');
    expect(p.decide([0.4], view(1, { reported: [0.5, 0.3, 0.4] }))).toBe('prune');
    // n = 4 = η: top ⌊4/4⌋ = 1, the same rule.
    expect(p.decide([0.5], view(1, { reported: [0.6, 0.5, 0.4, 0.3] }))).toBe('prune');
    // n = 8: top 2.
    expect(p.decide([0.5], view(1, { reported: [0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.1, 0.1] }))).toBe('continue');
  });

  it('prunes a NaN value at a rung, and every candidate until bootstrapCount have reached it', () => {
    expect(asha({}).decide([Number.NaN], view(1, { reported: [0.2] }))).toBe('prune');
    const boot = asha({ bootstrapCount: 2 });
    expect(boot.decide([0.9], view(1, { reported: [0.9] }))).toBe('prune');
    expect(boot.decide([0.9], view(1, { reported: [0.1, 0.9] }))).toBe('prune');
    expect(boot.decide([0.9], view(1, { reported: [0.1, 0.2, 0.9] }))).toBe('continue');
  });

  it('continues between rungs whatever the values', () => {
    expect(asha({ reductionFactor: 3 }).decide([0.9, 0.0], view(2, { reported: [0.9, 0.9, 0.9] }))).toBe('continue');
  });
});

describe('pruner registry and option checks', () => {
  it('registers none, median and asha, and lists them for an unknown name', () => {
    expect(pruners.list()).toEqual(['asha', 'median', 'none']);
    expect(() => createPruner({ name: 'hyperband' }, 12)).toThrow(/unknown pruner "hyperband"/);
    try {
      createPruner({ name: 'hyperband' }, 12);
    } catch (error) {
      expect((error as { hint: string }).hint).toBe('valid pruner names: asha, median, none');
    }
  });

  it("fills in the defaults (Optuna's), so jobs carry every option explicitly", () => {
    expect(normalizePrunerSpec({ name: 'median' }, 12)).toEqual({
      name: 'median',
      options: { startupCandidates: 5, warmupEpochs: 0, interval: 1, minCandidates: 1 },
    });
    expect(normalizePrunerSpec({ name: 'asha', options: { reductionFactor: 3 } }, 12)).toEqual({
      name: 'asha',
      options: { reductionFactor: 3, minResource: 1, minEarlyStoppingRate: 0, bootstrapCount: 0 },
    });
    expect(normalizePrunerSpec({ name: 'none' }, 1)).toEqual({ name: 'none', options: {} });
    expect(createPruner({ name: 'none' }, 12).needs(3)).toBeNull();
  });

  it('refuses bad options naming the option and its valid range', () => {
    const refusal = (name: string, options: Record<string, unknown>, epochs = 12) => {
      try {
        createPruner({ name, options: options as Record<string, number> }, epochs);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refusal('asha', { reductionFactor: 1 })).toMatch(
      /^pruner asha: reductionFactor: must be >= 2: η, the reduction factor \(got 1\)$/,
    );
    expect(refusal('asha', { reductionFactor: 2.5 })).toMatch(/reductionFactor: must be a whole number/);
    expect(refusal('median', { warmupEpochs: -1 })).toMatch(
      /^pruner median: warmupEpochs: must be >= 0: epochs trained before the first decision \(got -1\)$/,
    );
    expect(refusal('median', { warmupEpochs: 11 })).toMatch(/warmupEpochs 11 leaves no epoch to decide at in a 12-epoch recipe .*$/);
    expect(refusal('median', { interval: 0 })).toMatch(/interval: must be >= 1/);
    expect(refusal('median', { patience: 3 })).toMatch(/pruner median: .*patience/);
    expect(refusal('asha', { minResource: 4, minEarlyStoppingRate: 1 }, 12)).toMatch(
      /first rung, minResource × reductionFactor\^minEarlyStoppingRate = 4 × 4\^1 = 16 epochs, is beyond the recipe's 12 epochs \(rungs must fall at epochs 1..11/,
    );
    expect(refusal('asha', {}, 1)).toMatch(/a 1-epoch recipe leaves no epoch to decide at/);
    expect(refusal('none', { x: 1 })).toMatch(/pruner none: .*x/);
  });

  it('computes percentiles as numpy.nanpercentile (linear)', () => {
    expect(nanPercentile([0.1, 0.2, 0.3], 50)).toBe(0.2);
    expect(nanPercentile([0.2, 0.1], 50)).toBe(0.2 - (0.2 - 0.1) * 0.5);
    expect(nanPercentile([1, 2, 3, 4], 25)).toBe(1.75);
    expect(nanPercentile([Number.NaN], 50)).toBeNaN();
  });
});
