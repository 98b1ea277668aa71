/**
 * Variational U-Net (Esser, Sutter, Ommer, "A Variational U-Net for Conditional
 * Appearance and Shape Generation", CVPR 2018) on tfjs, for shape-guided generation.
 * Training is the paper's self-reconstruction: an image x (the examples' `appearance`)
 * and its shape estimate y (`appearanceShape`, x's object mask) come from the same
 * picture. The encoder reads x and gives [μ, log σ²] of q(z | x); z = μ + σ·ε with
 * ε ~ N(0, I) (the reparameterisation, one seeded draw per example and step); the U-Net
 * generator reads [y 1, z tiled z] — its encoder sees y alone, z joins at the bottleneck
 * (builders.ts) — and both train in one step on λ_l1·L1(G(y, z), x) + λ_kl·KL(q ‖ N(0, I)),
 * the KL summed over z and averaged over the batch.
 * Outputs on the eval split (z = μ): `image`, the transfer — A's shape with B's appearance
 * z = μ(B), the problem's scored output; `reconstruction`, B from its own shape and z;
 * `prior`, A's shape with z drawn from N(0, I) (seeded) — the last two for the sample grid.
 * Loss terms (the torch engine's names): loss, l1, kl.
 */
import type { Tensor, Tensor2D } from '@tensorflow/tfjs';
import { BlockqnnError, ErrorCode } from '../../../common/errors.js';
import { tiledVector } from './data.js';
import { gaussianKl, l1 } from './losses.js';
import { type ProcedureDefinition, collectOutputs } from './procedure.js';
import { type Role, optimiseStep } from './roles.js';

const EVAL_BATCH = 64;

export const vunet: ProcedureDefinition = {
  name: 'vunet',
  requirements(task, examples) {
    if (task.problem !== 'shape-guided') {
      throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `procedure vunet solves shape-guided, not ${task.problem}`, {
        hint: 'use the procedure made for the problem (PROCEDURES_FOR_PROBLEM)',
      });
    }
    const c = examples.channels;
    const z = task.recipe.latent;
    return { encoder: { input: c, output: 2 * z }, generator: { input: 1 + z, output: c, fullResolution: true } };
  },
  start(ctx) {
    const { tf, task, examples, roles } = ctx;
    const { encoder: E, generator: G } = roles as Record<'encoder' | 'generator', Role>;
    const { lambda, latent } = task.recipe;
    const posterior = (image: Tensor, training: boolean) => {
      const stats = E.run(image, training) as Tensor2D;
      return { mu: stats.slice([0, 0], [-1, latent]), logVar: stats.slice([0, latent], [-1, latent]) };
    };
    const generate = (shape: Tensor, z: Tensor, training: boolean) =>
      G.run(tf.concat([shape, tiledVector(tf, z as Tensor2D, examples.imageSize)], -1), training);
    return {
      step(batch) {
        const shape = ctx.train.images('appearanceShape', batch);
        const image = ctx.train.images('appearance', batch);
        const noiseSeed = ctx.random();
        try {
          return optimiseStep(
            tf,
            [E, G],
            () => {
              const { mu, logVar } = posterior(image, true);
              const z = tf.add(
                mu,
                tf.mul(tf.exp(tf.mul(logVar, 0.5)), tf.randomNormal([batch.length, latent], 0, 1, 'float32', noiseSeed)),
              );
              const rec = l1(tf, generate(shape, z, true), image);
              const kl = gaussianKl(tf, mu, logVar);
              return { total: tf.add(tf.mul(rec, lambda.l1), tf.mul(kl, lambda.kl)), l1: rec, kl };
            },
            'loss',
          );
        } finally {
          tf.dispose([shape, image]);
        }
      },
      outputs(signal) {
        const priorSeed = ctx.random();
        return collectOutputs(
          ctx,
          EVAL_BATCH,
          (indices) => {
            const { mu } = posterior(ctx.eval.images('appearance', indices), false);
            const shape = ctx.eval.images('shape', indices);
            return {
              image: generate(shape, mu, false),
              reconstruction: generate(ctx.eval.images('appearanceShape', indices), mu, false),
              prior: generate(shape, tf.randomNormal([indices.length, latent], 0, 1, 'float32', (priorSeed + indices[0]!) >>> 0), false),
            };
          },
          signal,
        );
      },
    };
  },
};
