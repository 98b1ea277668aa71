/**
 * Named training modes: each names a registered baseline and valid recipe
 * options; a mode is found among the names given and must be the only one;
 * applying it lays its options (with their defaults) over the run's recipe.
 */
import { describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../src/common/errors.js';
import { baselines } from '../../src/search-space/index.js';
import { TRAINING_MODES, applyTrainingMode, trainingModeIn } from '../../src/task/training-modes.js';
import { parseTask } from '../../src/task/task.js';

const task = () =>
  parseTask({ kind: 'classification', dataset: { name: 'mnist', subset: 200 }, recipe: { epochs: 3, learningRate: 0.01 } });

describe('training modes', () => {
  it('each trains a registered baseline with valid recipe options', () => {
    for (const mode of Object.values(TRAINING_MODES)) {
      expect(baselines.get(mode.baseline).name).toBe(mode.baseline);
      expect(() => applyTrainingMode(task(), mode)).not.toThrow();
    }
  });

  it("winn-resnet-20 is ResNet-20 with WINN training and FGSM at the paper's eps; the rest of the recipe stays", () => {
    const mode = trainingModeIn('winn-resnet-20')!;
    expect(mode.baseline).toBe('resnet-20-cifar');
    const applied = applyTrainingMode(task(), mode);
    if (applied.kind !== 'classification') throw new Error('unreachable');
    expect(applied.recipe.introspective).toMatchObject({ mode: 'winn', criticWeight: 0.01, gradientPenalty: 10 });
    expect(applied.recipe.robustness).toEqual({ fgsmEpsilons: [0.125] });
    expect(applied.recipe).toMatchObject({ epochs: 3, learningRate: 0.01 });
    const plain = applyTrainingMode(task(), trainingModeIn('resnet-20-fgsm')!);
    if (plain.kind !== 'classification') throw new Error('unreachable');
    expect('introspective' in plain.recipe).toBe(false);
    expect(plain.recipe.robustness).toEqual({ fgsmEpsilons: [0.125] });
  });

  it('keeps introspective options the recipe already has (a smaller-scale run of the mode)', () => {
    const small = parseTask({
      kind: 'classification',
      dataset: { name: 'mnist' },
      recipe: { introspective: { synthesisPerEpoch: 50, synthesisSteps: 20 } },
    });
    const applied = applyTrainingMode(small, trainingModeIn('winn-resnet-20')!);
    if (applied.kind !== 'classification') throw new Error('unreachable');
    expect(applied.recipe.introspective).toMatchObject({ synthesisPerEpoch: 50, synthesisSteps: 20, criticWeight: 0.01 });
    expect(applied.recipe.robustness).toEqual({ fgsmEpsilons: [0.125] });
  });

  it('plain baseline names are not modes; a mode among other names is refused', () => {
    expect(trainingModeIn('resnet-20-cifar')).toBeUndefined();
    expect(trainingModeIn('all')).toBeUndefined();
    expect(() => trainingModeIn('winn-resnet-20, dla-34')).toThrow(BlockqnnError);
    expect(() => trainingModeIn('winn-resnet-20,dla-34')).toThrow(
      /training mode winn-resnet-20 sets the run's recipe, so it must be the only name \(got winn-resnet-20, dla-34\)/,
    );
  });
});
