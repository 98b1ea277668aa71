/**
 * The recipe's optimiser on tfjs, shared by the plain and the introspective
 * training loops: Adam, or SGD with Nesterov momentum (PyTorch's `nesterov=True`).
 */
import type { Optimizer } from '@tensorflow/tfjs';
import type { Recipe } from '../../task/task.js';
import type { Tfjs } from './backend.js';

export interface RecipeOptimizer {
  optimizer: Optimizer;
  /** Sets the rate for the next steps (called once per epoch with `learningRateAt`). */
  setLearningRate(learningRate: number): void;
}

export function makeOptimizer(tf: Tfjs, recipe: Recipe): RecipeOptimizer {
  const optimizer =
    recipe.optimizer === 'adam' ? tf.train.adam(recipe.learningRate) : tf.train.momentum(recipe.learningRate, recipe.momentum, true);
  // tfjs reads `learningRate` on every step but exposes no setter; stepping it keeps Adam's moments, as PyTorch's schedulers do.
  const mutable = optimizer as unknown as { learningRate: number };
  return { optimizer, setLearningRate: (learningRate) => (mutable.learningRate = learningRate) };
}
