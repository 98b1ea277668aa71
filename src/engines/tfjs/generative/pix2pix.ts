/**
 * pix2pix (Isola, Zhu, Zhou, Efros, "Image-to-Image Translation with Conditional
 * Adversarial Networks", CVPR 2017) on tfjs, for every paired problem (paired-io.ts),
 * and the procedure of the searched U-Net generator.
 *
 * Per batch, as the authors' pix2pix_model.py: first the discriminator on
 * ½·(BCE(D(x, y), 1) + BCE(D(x, G(x)), 0)), then the generator on
 * BCE(D(x, G(x)), 1) + λ_l1·rec, with rec = L1(G(x), y); for amodal completion the
 * generator's last channel is the full-mask logit, so rec = L1(image, full) + BCE(mask
 * logit, fullMask) (both reconstruction terms carry λ_l1) and the discriminator sees the
 * mask as a probability. D(x, ·) takes [x, candidate] concatenated on channels.
 * Loss terms reported: d (total), d.real, d.fake, g (total), g.adv, g.l1 (amodal also g.mask).
 *
 * The generator runs twice per batch (for D's fake, then inside G's gradient: tfjs
 * cannot reuse one forward across two optimisers), so batch-norm running statistics
 * move twice per batch where PyTorch's move once; training-mode outputs are the same.
 */
import type { Tensor } from '@tensorflow/tfjs';
import { tiledOneHot } from './data.js';
import { bceWithLogits, l1 } from './losses.js';
import { pairedChannels, pairedInput, pairedProblem, pairedTarget, splitAmodal } from './paired-io.js';
import { type ProcedureDefinition, collectOutputs } from './procedure.js';
import { type LossTerms, optimiseStep } from './roles.js';

const EVAL_BATCH = 64;

export const pix2pix: ProcedureDefinition = {
  name: 'pix2pix',
  requirements(task, examples) {
    const { input, target } = pairedChannels(pairedProblem(task.problem, 'pix2pix'), examples);
    return { generator: { input, output: target, fullResolution: true }, discriminator: { input: input + target, output: 1 } };
  },
  start(ctx) {
    const { tf, task, examples, roles } = ctx;
    const problem = pairedProblem(task.problem, 'pix2pix');
    const { generator: G, discriminator: D } = roles as Record<'generator' | 'discriminator', (typeof roles)[string]>;
    const { lambda } = task.recipe;
    const c = examples.channels;
    const amodal = problem === 'amodal-completion';
    /** What D sees of a generator output: the image, or for amodal [image, mask probability]. */
    const candidate = (out: Tensor) => (amodal ? splitAmodal(tf, out, c).candidate : out);
    const judge = (x: Tensor, candidateImage: Tensor) => D.run(tf.concat([x, candidateImage], -1), true);

    return {
      step(batch) {
        const x = pairedInput(tf, problem, examples, ctx.train, batch);
        const y = pairedTarget(tf, problem, ctx.train, batch);
        try {
          const fake = tf.tidy(() => candidate(G.run(x, true)));
          const d = optimiseStep(tf, [D], 'd', () => {
            const real = bceWithLogits(tf, judge(x, y), 1);
            const fakeLoss = bceWithLogits(tf, judge(x, fake), 0);
            return { total: tf.mul(tf.add(real, fakeLoss), 0.5), real, fake: fakeLoss };
          });
          fake.dispose();
          const g = optimiseStep(tf, [G], 'g', (): LossTerms => {
            const out = G.run(x, true);
            const adv = bceWithLogits(tf, judge(x, candidate(out)), 1);
            if (amodal) {
              const { image, maskLogit } = splitAmodal(tf, out, c);
              const rec = l1(tf, image, y.slice([0, 0, 0, 0], [-1, -1, -1, c]));
              const mask = bceWithLogits(tf, maskLogit, y.slice([0, 0, 0, c], [-1, -1, -1, 1]));
              return { total: tf.add(adv, tf.mul(tf.add(rec, mask), lambda.l1)), adv, l1: rec, mask };
            }
            const rec = l1(tf, out, y);
            return { total: tf.add(adv, tf.mul(rec, lambda.l1)), adv, l1: rec };
          });
          return { ...d, ...g };
        } finally {
          x.dispose();
          y.dispose();
        }
      },
      outputs(signal) {
        return collectOutputs(ctx, EVAL_BATCH, (indices): Record<string, Tensor> => {
          const out = G.run(pairedInput(tf, problem, examples, ctx.eval, indices), false);
          if (amodal) {
            const { image, maskLogit } = splitAmodal(tf, out, c);
            return { mask: tf.sigmoid(maskLogit), image };
          }
          if (problem === 'domain-translation') {
            const back = tiledOneHot(tf, ctx.eval.labels('sourceDomain', indices), examples.domains, examples.imageSize);
            return { image: out, cycle: G.run(tf.concat([out, back], -1), false) };
          }
          return { image: out };
        }, signal);
      },
    };
  },
};
