/**
 * StarGAN (Choi, Choi, Kim, Ha, Kim, Choo, "StarGAN: Unified Generative Adversarial
 * Networks for Multi-Domain Image-to-Image Translation", CVPR 2018) on tfjs, for domain
 * translation, with the authors' WGAN-GP objective (solver.py):
 * - discriminator, every batch: −E D_src(x) + E D_src(G(x, t)) + λ_cls·CE(D_cls(x), s)
 *   + λ_gp·E (‖∇x̂ D_src(x̂)‖₂ − 1)²;
 * - generator, every `criticSteps`-th batch (the authors' n_critic): −E D_src(G(x, t))
 *   + λ_cls·CE(D_cls(G(x, t)), t) + λ_rec·L1(G(G(x, t), s), x).
 * x = `source` in domain s = `sourceDomain`, t = the example's `targetDomain` (the
 * authors draw t at random; the examples fix one per image). The discriminator's single
 * output [s, s, 1 + K] holds D_src in channel 0 (patch scores, averaged) and the domain
 * logits D_cls in channels 1..K averaged over space (builders.ts). G's input is
 * [image C, one-hot domain K tiled]. The ground-truth `target` images are never used:
 * StarGAN is unpaired.
 *
 * Two label sets at once (the task's secondDataset; the paper's multi-dataset training): the K
 * domains are the sets' domains one after the other, and G's input adds the mask vector
 * [image C, label vector K tiled, mask M tiled] — the label vector one-hot inside the
 * example's own set (the other set's entries zero), the mask one-hot naming the set
 * (`labelSet`). Both CE terms are taken within the example's own set (labelSetCrossEntropy):
 * the classification loss only on the known labels. Batches mix both datasets' examples (the
 * authors alternate one dataset per iteration; with no batch norm in either network the
 * per-example mask makes the two the same objective).
 * Loss terms (the torch engine's names): d, d_cls, gp, and on generator steps g, g_cls, rec.
 */
import type { Tensor } from '@tensorflow/tfjs';
import { BlockqnnError, ErrorCode } from '../../../common/errors.js';
import { tiledOneHot } from './data.js';
import { starganConditionChannels } from '../../../search-space/baselines/generative/index.js';
import { gradientPenalty, l1, labelSetCrossEntropy } from './losses.js';
import { type ProcedureDefinition, collectOutputs, uniforms } from './procedure.js';
import { type Role, optimiseStep } from './roles.js';

const EVAL_BATCH = 64;

export const stargan: ProcedureDefinition = {
  name: 'stargan',
  requirements(task, examples) {
    if (task.problem !== 'domain-translation') {
      throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `procedure stargan solves domain-translation, not ${task.problem}`, {
        hint: 'use the procedure made for the problem (PROCEDURES_FOR_PROBLEM)',
      });
    }
    const c = examples.channels;
    const k = examples.domains;
    return {
      generator: { input: c + starganConditionChannels(k, examples.labelSets ?? 1), output: c, fullResolution: true },
      discriminator: { input: c, output: 1 + k },
    };
  },
  start(ctx) {
    const { tf, task, examples, roles } = ctx;
    const { generator: G, discriminator: D } = roles as Record<'generator' | 'discriminator', Role>;
    const { lambda, criticSteps } = task.recipe;
    const k = examples.domains;
    const sets = examples.labelSets ?? 1;
    const size = examples.imageSize;
    /** G on images x toward `domains`; `labelSets` (the examples' sets) fill the mask vector when there are several. */
    const translate = (x: Tensor, domains: Int32Array, labelSets: Int32Array, training: boolean) =>
      G.run(tf.concat([x, tiledOneHot(tf, domains, k, size), ...(sets > 1 ? [tiledOneHot(tf, labelSets, sets, size)] : [])], -1), training);
    const ce = (logits: Tensor, labels: Int32Array) => labelSetCrossEntropy(tf, logits, labels, k, sets);
    const setsOf = (split: typeof ctx.train, indices: ArrayLike<number>) =>
      sets > 1 ? split.labels('labelSet', indices) : new Int32Array(indices.length);
    /** D's two heads from its one output: patch scores [n, s, s] and domain logits [n, K]. */
    const heads = (x: Tensor) => {
      const out = D.run(x, true);
      return { src: out.slice([0, 0, 0, 0], [-1, -1, -1, 1]), cls: tf.mean(out.slice([0, 0, 0, 1], [-1, -1, -1, k]), [1, 2]) };
    };
    return {
      step(batch, stepIndex) {
        const x = ctx.train.images('source', batch);
        const s = ctx.train.labels('sourceDomain', batch);
        const t = ctx.train.labels('targetDomain', batch);
        const m = setsOf(ctx.train, batch);
        const mix = uniforms(ctx.random, batch.length);
        try {
          const fake = tf.tidy(() => translate(x, t, m, true));
          const d = optimiseStep(
            tf,
            [D],
            () => {
              const onReal = heads(x);
              const real = tf.neg(tf.mean(onReal.src));
              const fakeScore = tf.mean(heads(fake).src);
              const cls = ce(onReal.cls, s);
              const gp = gradientPenalty(tf, (input) => heads(input).src, x, fake, mix);
              return { total: tf.addN([real, fakeScore, tf.mul(cls, lambda.cls), tf.mul(gp, lambda.gp)]), d_cls: cls, gp };
            },
            'd',
          );
          fake.dispose();
          if ((stepIndex + 1) % criticSteps !== 0) return d;
          const g = optimiseStep(
            tf,
            [G],
            () => {
              const translated = translate(x, t, m, true);
              const judged = heads(translated);
              const adv = tf.neg(tf.mean(judged.src));
              const cls = ce(judged.cls, t);
              const rec = l1(tf, translate(translated, s, m, true), x);
              return { total: tf.addN([adv, tf.mul(cls, lambda.cls), tf.mul(rec, lambda.rec)]), g_cls: cls, rec };
            },
            'g',
          );
          return { ...d, ...g };
        } finally {
          x.dispose();
        }
      },
      outputs(signal) {
        return collectOutputs(
          ctx,
          EVAL_BATCH,
          (indices) => {
            const m = setsOf(ctx.eval, indices);
            const image = translate(ctx.eval.images('source', indices), ctx.eval.labels('targetDomain', indices), m, false);
            return { image, cycle: translate(image, ctx.eval.labels('sourceDomain', indices), m, false) };
          },
          signal,
        );
      },
    };
  },
};
