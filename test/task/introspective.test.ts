/**
 * The recipe's introspective (WINN) and robustness (FGSM) options: absent by
 * default so the early-stop recipe and its task keys do not change, the paper's
 * defaults when asked for, and bad values refused with errors that name the field.
 */
import { describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../src/common/errors.js';
import { PAPER_FGSM_EPSILON, WINN_METRICS, fgsmKey } from '../../src/task/introspective.js';
import { parseTask, taskKey } from '../../src/task/task.js';

const task = (recipe: Record<string, unknown> = {}) =>
  parseTask({ kind: 'classification', dataset: { name: 'mnist', subset: 200 }, recipe });
const recipeOf = (recipe: Record<string, unknown>) => {
  const parsed = task(recipe);
  if (parsed.kind !== 'classification') throw new Error('unreachable');
  return parsed.recipe;
};

function refusal(recipe: Record<string, unknown>): BlockqnnError {
  try {
    task(recipe);
  } catch (error) {
    expect(error).toBeInstanceOf(BlockqnnError);
    return error as BlockqnnError;
  }
  throw new Error(`recipe ${JSON.stringify(recipe)} was accepted`);
}

describe('recipe.introspective and recipe.robustness', () => {
  it('are absent unless asked for, so the plain recipe and its task key are unchanged', () => {
    const recipe = recipeOf({});
    expect('introspective' in recipe).toBe(false);
    expect('robustness' in recipe).toBe(false);
    expect(taskKey(task(), 'torch')).not.toMatch(/introspective|robustness/);
    expect(taskKey(task({ robustness: {} }), 'torch')).not.toBe(taskKey(task(), 'torch'));
  });

  it("fill in the paper's defaults (WINN's released supervised code; FGSM eps 0.125 on [0, 1] pixels)", () => {
    const recipe = recipeOf({ introspective: {}, robustness: {} });
    expect(recipe.introspective).toEqual({
      mode: 'winn',
      criticWeight: 0.01,
      gradientPenalty: 10,
      synthesisPerEpoch: 1000,
      synthesisSteps: 2000,
      stepSize: 0.1,
      noise: 0.005,
      classWeight: 0.5,
      poolSize: 10_000,
    });
    expect(recipe.robustness).toEqual({ fgsmEpsilons: [PAPER_FGSM_EPSILON] });
    expect(PAPER_FGSM_EPSILON).toBe(0.125);
  });

  it('name FGSM metrics the same way for both engines, and list the WINN metrics', () => {
    expect([0, 0.1, 0.125, 1].map(fgsmKey)).toEqual(['fgsmAccuracy@0', 'fgsmAccuracy@0.1', 'fgsmAccuracy@0.125', 'fgsmAccuracy@1']);
    expect(WINN_METRICS).toEqual([
      'winnWassersteinEstimate',
      'winnGradientPenalty',
      'winnSynthesisScoreStart',
      'winnSynthesisScoreEnd',
      'winnSynthesisSteps',
      'winnPoolSize',
    ]);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['a negative FGSM eps', { robustness: { fgsmEpsilons: [0.1, -0.05] } }, /recipe\.robustness\.fgsmEpsilons\.1: an FGSM ε must be ≥ 0/],
    ['an FGSM eps above the pixel range', { robustness: { fgsmEpsilons: [1.5] } }, /fgsmEpsilons\.0: an FGSM ε must be ≤ 1/],
    ['no FGSM eps', { robustness: { fgsmEpsilons: [] } }, /fgsmEpsilons: fgsmEpsilons needs at least one ε/],
    ['a repeated FGSM eps', { robustness: { fgsmEpsilons: [0.1, 0.1] } }, /must not repeat an ε/],
    [
      'zero synthesis steps',
      { introspective: { synthesisSteps: 0 } },
      /recipe\.introspective\.synthesisSteps: synthesisSteps must be at least 1/,
    ],
    ['fractional synthesis steps', { introspective: { synthesisSteps: 2.5 } }, /synthesisSteps must be a whole number/],
    [
      'a zero critic weight',
      { introspective: { criticWeight: 0 } },
      /criticWeight must be > 0 \(0 is plain training: drop `introspective`\)/,
    ],
    ['a negative gradient penalty', { introspective: { gradientPenalty: -1 } }, /gradientPenalty must be ≥ 0/],
    ['a zero Langevin step', { introspective: { stepSize: 0 } }, /stepSize must be > 0/],
    ['negative Langevin noise', { introspective: { noise: -0.1 } }, /noise must be ≥ 0/],
    [
      'a pool smaller than a synthesis round',
      { introspective: { synthesisPerEpoch: 100, poolSize: 50 } },
      /introspective\.poolSize: poolSize must be at least synthesisPerEpoch/,
    ],
    ['an unknown formulation', { introspective: { mode: 'icn' } }, /recipe\.introspective\.mode/],
    ['an unknown option', { introspective: { steps: 10 } }, /recipe\.introspective.*steps/],
  ];
  for (const [what, recipe, message] of bad) {
    it(`refuse ${what} with an error naming the field`, () => {
      const error = refusal(recipe);
      expect(error.code).toBe('INVALID_CONFIG');
      expect(error.message).toMatch(/^invalid training task: /);
      expect(error.message).toMatch(message);
    });
  }
});
