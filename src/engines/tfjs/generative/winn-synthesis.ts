/**
 * WINN synthesis (Lee, Xu, Fan, Tu, "Wasserstein Introspective Neural Networks", CVPR
 * 2018) on tfjs, for introspective synthesis: no generator network, the critic f is the
 * model, and samples come from Langevin dynamics on it. `recipe.samples` chains start
 * from the paper's Gaussian noise (N(0, 1) on its [-1, 1] pixels: N(0.5, 0.5²) on [0, 1],
 * clipped; `langevin.start: 'uniform'` starts from U(0, 1) instead). The pseudo-negative
 * pool accumulates, as the paper's: it holds the starting noise and every round's
 * synthesised images, and the critic of iteration t is trained against all of them. Each epoch:
 * 1. the critic trains on every batch of real images against as many pool images drawn
 *    uniformly (with replacement) from every round so far, with WGAN-GP:
 *    E f(negative) − E f(real) + λ_gp·E (‖∇x̂ f(x̂)‖₂ − 1)²;
 * 2. the chains take `langevin.steps` steps x ← clip(x + (ε/2)·∇x f(x) + η, 0, 1),
 *    η ~ N(0, noise²) per pixel, on the updated critic, from where they were, and the
 *    result joins the pool as a new round.
 * The outputs are the chains after the last round. Unlike the classifier WINN
 * (src/task/introspective.ts) there is no class term and no stopping threshold: a fixed
 * step budget keeps both engines alike (the torch engine's generative.py is the same).
 * Loss terms (the torch engine's names): critic, wasserstein (E f(real) − E f(negative)), gp.
 */
import type { Tensor, Tensor4D } from '@tensorflow/tfjs';
import { BlockqnnError, ErrorCode } from '../../../common/errors.js';
import { TrainingAborted } from '../../engine.js';
import { gradientPenalty } from './losses.js';
import { type ProcedureDefinition, uniforms } from './procedure.js';
import { type Role, optimiseStep } from './roles.js';

export const winnSynthesis: ProcedureDefinition = {
  name: 'winn-synthesis',
  requirements(task, examples) {
    if (task.problem !== 'introspective-synthesis') {
      throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `procedure winn-synthesis solves introspective-synthesis, not ${task.problem}`, {
        hint: 'use the procedure made for the problem (PROCEDURES_FOR_PROBLEM)',
      });
    }
    return { critic: { input: examples.channels, output: 1 } };
  },
  start(ctx) {
    const { tf, task, examples, roles } = ctx;
    const { critic: f } = roles as Record<'critic', Role>;
    const { lambda, langevin, samples, batchSize } = task.recipe;
    const s = examples.imageSize;
    const c = examples.channels;
    const imageSize = s * s * c;
    const seed = ctx.random();
    const chains = tf.tidy(
      () =>
        (langevin.start === 'uniform'
          ? tf.randomUniform([samples * imageSize], 0, 1, 'float32', seed)
          : tf.clipByValue(tf.randomNormal([samples * imageSize], 0.5, 0.5, 'float32', seed), 0, 1)
        ).dataSync() as Float32Array,
    );
    // Every round's pseudo-negatives, the starting noise first: the critic sees them all.
    const rounds: Float32Array[] = [chains.slice()];
    const gather = (source: (i: number) => Float32Array, offset: (i: number) => number, count: number): Tensor4D => {
      const out = new Float32Array(count * imageSize);
      for (let b = 0; b < count; b++) out.set(source(b).subarray(offset(b) * imageSize, (offset(b) + 1) * imageSize), b * imageSize);
      return tf.tensor4d(out, [count, s, s, c]);
    };
    const rows = (indices: ArrayLike<number>): Tensor4D =>
      gather(
        () => chains,
        (b) => indices[b]!,
        indices.length,
      );
    /** `count` pseudo-negatives drawn uniformly from the whole pool (every round). */
    const poolDraw = (count: number): Tensor4D => {
      const picks = Array.from({ length: count }, () => Math.floor((ctx.random() / 4294967296) * samples * rounds.length));
      return gather(
        (b) => rounds[Math.floor(picks[b]! / samples)]!,
        (b) => picks[b]! % samples,
        count,
      );
    };
    return {
      step(batch) {
        const real = ctx.train.images('real', batch);
        const fake = poolDraw(batch.length);
        const mix = uniforms(ctx.random, batch.length);
        try {
          return optimiseStep(
            tf,
            [f],
            () => {
              const wasserstein = tf.sub(tf.mean(f.run(real, true)), tf.mean(f.run(fake, true)));
              const gp = gradientPenalty(tf, (x) => f.run(x, true), real, fake, mix);
              return { total: tf.add(tf.neg(wasserstein), tf.mul(gp, lambda.gp)), wasserstein, gp };
            },
            'critic',
          );
        } finally {
          tf.dispose([real, fake]);
        }
      },
      async afterEpoch(_epoch, signal) {
        // In batches: the critic has no batch statistics, so each image's steps are its own.
        for (let start = 0; start < samples; start += batchSize) {
          const indices = Uint32Array.from({ length: Math.min(batchSize, samples - start) }, (_, i) => start + i);
          let x = rows(indices);
          try {
            for (let step = 0; step < langevin.steps; step++) {
              if (signal.aborted) throw new TrainingAborted(signal.reason);
              const current = x;
              const noiseSeed = ctx.random();
              x = tf.tidy(() => {
                const grad = tf.grad((input: Tensor) => tf.sum(f.run(input, false)))(current);
                let moved = tf.add(current, tf.mul(grad, langevin.stepSize / 2));
                if (langevin.noise > 0) moved = tf.add(moved, tf.randomNormal(current.shape, 0, langevin.noise, 'float32', noiseSeed));
                return tf.clipByValue(moved, 0, 1) as Tensor4D;
              });
              current.dispose();
              await new Promise((resolve) => setImmediate(resolve));
            }
            chains.set(x.dataSync() as Float32Array, start * imageSize);
          } finally {
            x.dispose();
          }
        }
        rounds.push(chains.slice());
        return {};
      },
      async outputs() {
        return { samples: chains.slice() };
      },
    };
  },
};
