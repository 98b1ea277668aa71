/**
 * Accuracy under the fast gradient sign method (Goodfellow, Shlens, Szegedy, ICLR
 * 2015): x' = clip(x + ε·sign(∇x CE), 0, 1), the network attacking itself in
 * inference mode. Batches and predictions are the training loop's evaluation
 * (batches of max(batch size, 256), `model.predict`), so ε = 0 reproduces the
 * clean accuracy exactly. The torch engine does the same in introspective.py.
 */
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import type { Dataset } from '../../datasets/index.js';
import { type Recipe } from '../../task/task.js';
import { fgsmKey } from '../../task/introspective.js';
import { fillBatch } from '../batches.js';
import type { Tfjs } from './backend.js';

export type EvaluationSplit = 'validation' | 'test';

/** The split's images in order, in batches of `batchSize`, as [0, 1] floats (no augmentation). */
function* batchesOf(
  data: Dataset,
  split: EvaluationSplit,
  batchSize: number,
): Generator<{ buffer: Float32Array; labels: Uint8Array; n: number }> {
  const set = data[split];
  const [h, w, c] = data.shape;
  const noAugment = () => 0;
  for (let start = 0; start < set.count; start += batchSize) {
    const n = Math.min(batchSize, set.count - start);
    const buffer = new Float32Array(n * h * w * c);
    fillBatch(
      set,
      data.shape,
      Array.from({ length: n }, (_, i) => start + i),
      'none',
      noAugment,
      buffer,
    );
    yield { buffer, labels: set.labels.subarray(start, start + n), n };
  }
}

/** Clean accuracy on `split`, as the training loop's evaluation computes it. */
export function accuracyOn(tf: Tfjs, model: LayersModel, data: Dataset, split: EvaluationSplit, batchSize: number): number {
  const [h, w, c] = data.shape;
  let correct = 0;
  for (const { buffer, labels, n } of batchesOf(data, split, batchSize)) {
    const predicted = tf.tidy(() => (model.predict(tf.tensor4d(buffer, [n, h, w, c])) as Tensor).argMax(-1).dataSync());
    for (let k = 0; k < n; k++) if (predicted[k] === labels[k]) correct++;
  }
  return data[split].count === 0 ? 0 : correct / data[split].count;
}

/** Accuracy on `split` at each ε (ε = 0 is the clean accuracy), in order. */
export function fgsmAccuracies(
  tf: Tfjs,
  model: LayersModel,
  data: Dataset,
  split: EvaluationSplit,
  epsilons: readonly number[],
  batchSize: number,
): number[] {
  const set = data[split];
  const [h, w, c] = data.shape;
  const classes = data.classes.length;
  const correct = epsilons.map(() => 0);
  for (const { buffer, labels, n } of batchesOf(data, split, batchSize)) {
    tf.tidy(() => {
      const x = tf.tensor4d(buffer, [n, h, w, c]);
      const y = tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), classes);
      const grad = tf.grad((input: Tensor) => tf.losses.softmaxCrossEntropy(y, model.apply(input, { training: false }) as Tensor))(x);
      // A NaN gradient entry perturbs nothing (sign would spread the NaN).
      const sign = tf.where(tf.isNaN(grad), tf.zerosLike(grad), tf.sign(grad));
      epsilons.forEach((epsilon, i) => {
        const adversarial = tf.clipByValue(tf.add(x, tf.mul(sign, epsilon)), 0, 1);
        const predicted = (model.predict(adversarial) as Tensor).argMax(-1).dataSync();
        for (let k = 0; k < n; k++) if (predicted[k] === labels[k]) correct[i]!++;
      });
    });
  }
  return correct.map((hits) => (set.count === 0 ? 0 : hits / set.count));
}

/** `{ extra: { 'fgsmAccuracy@ε': … } }` when the recipe asks for robustness, else `{}`: spread into an ok outcome. */
export function robustnessOutcome(
  tf: Tfjs,
  model: LayersModel,
  data: Dataset,
  split: EvaluationSplit,
  recipe: Recipe,
  extra: Record<string, number> = {},
): { extra?: Record<string, number> } {
  const epsilons = recipe.robustness?.fgsmEpsilons;
  if (!epsilons) return Object.keys(extra).length > 0 ? { extra } : {};
  const accuracies = fgsmAccuracies(tf, model, data, split, epsilons, Math.max(recipe.batchSize, 256));
  return { extra: { ...extra, ...Object.fromEntries(epsilons.map((epsilon, i) => [fgsmKey(epsilon), accuracies[i]!])) } };
}
