/**
 * The loss terms of the generative procedures on tfjs, each the PyTorch function the
 * torch engine uses (src/engines/torch/generative.py), so the two engines optimise the
 * same numbers:
 * - bceWithLogits = F.binary_cross_entropy_with_logits (mean), in its stable form
 *   max(x, 0) − x·z + log(1 + e^−|x|);
 * - l1 = F.l1_loss (mean absolute error);
 * - gradientPenalty = WGAN-GP (Gulrajani et al., NeurIPS 2017): E (‖∇x̂ D(x̂)‖₂ − 1)² on x̂ = u·real + (1 − u)·fake,
 *   u ~ U[0, 1] per example, the gradient of Σ D(x̂) (each example's own critic value);
 * - gaussianKl = KL(N(μ, σ²) ‖ N(0, I)) summed over z and averaged over the batch (Kingma & Welling's closed form).
 * Every function builds tensors without tidying: callers run them inside tf.tidy / variableGrads.
 */
import type { Tensor } from '@tensorflow/tfjs';
import type { Tfjs } from '../backend.js';

export function bceWithLogits(tf: Tfjs, logits: Tensor, target: number | Tensor): Tensor {
  const z = typeof target === 'number' ? tf.scalar(target) : target;
  const loss = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, z)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
  return tf.mean(loss);
}

export function l1(tf: Tfjs, a: Tensor, b: Tensor): Tensor {
  return tf.mean(tf.abs(tf.sub(a, b)));
}

/**
 * WGAN-GP's penalty. `critic` maps images to per-position critic values (any shape with the batch first);
 * their sum is differentiated, so each example's gradient is its own (the batch does not mix outside norms).
 */
export function gradientPenalty(tf: Tfjs, critic: (x: Tensor) => Tensor, real: Tensor, fake: Tensor, mix: Float32Array): Tensor {
  const u = tf.tensor4d(mix, [mix.length, 1, 1, 1]);
  const between = tf.add(tf.mul(u, real), tf.mul(tf.sub(1, u), fake));
  const grad = tf.grad((x: Tensor) => tf.sum(critic(x)))(between);
  // The small constant keeps the norm differentiable where a gradient is exactly zero (as WINN's, introspection.ts).
  const norms = tf.sqrt(tf.add(tf.sum(tf.square(grad), [1, 2, 3]), 1e-12));
  return tf.mean(tf.square(tf.sub(norms, 1)));
}

/** KL(q ‖ N(0, I)) for q = N(μ, exp(logVar)), [n, z] each: −½ Σ_z (1 + logVar − μ² − e^logVar), mean over n. */
export function gaussianKl(tf: Tfjs, mu: Tensor, logVar: Tensor): Tensor {
  const perExample = tf.sum(tf.sub(tf.sub(tf.add(1, logVar), tf.square(mu)), tf.exp(logVar)), -1);
  return tf.mul(tf.mean(perExample), -0.5);
}

/** Softmax cross-entropy of logits [n, K] against integer labels, mean over n (F.cross_entropy). */
export function crossEntropy(tf: Tfjs, logits: Tensor, labels: Int32Array, classes: number): Tensor {
  const hot = tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat();
  return tf.neg(tf.mean(tf.sum(tf.mul(hot, tf.logSoftmax(logits)), -1)));
}

/**
 * Cross-entropy within each example's own label set (StarGAN's multi-dataset classification loss): the K
 * logits are `sets` equal groups, each softmaxed on its own, and the one-hot label picks the log-probability
 * inside the example's group, so the other set's logits get no gradient. With one set it is crossEntropy.
 */
export function labelSetCrossEntropy(tf: Tfjs, logits: Tensor, labels: Int32Array, classes: number, sets: number): Tensor {
  if (sets <= 1) return crossEntropy(tf, logits, labels, classes);
  const n = logits.shape[0]!;
  const logProbs = tf.logSoftmax(logits.reshape([n, sets, classes / sets])).reshape([n, classes]);
  const hot = tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat();
  return tf.neg(tf.mean(tf.sum(tf.mul(hot, logProbs), -1)));
}
