/**
 * SeGAN (Ehsani, Mottaghi, Farhadi, "SeGAN: Segmenting and Generating the Invisible",
 * CVPR 2018) on tfjs, for amodal completion. Per batch:
 * 1. segmentor S on [occluded, visible] → full-mask logit, BCE against fullMask;
 * 2. discriminator D on [image, m̂], m̂ = σ(S(·)) of step 1's forward, held fixed (detached):
 *    ½·(BCE(D(full, m̂), 1) + BCE(D(G(occluded, m̂), m̂), 0)) — real and fake are judged
 *    under the same predicted mask, so the mask's sharpness cannot give the fake away;
 * 3. generator G on [occluded, m̂] → image: BCE(D(G, m̂), 1) + λ_l1·L1(G, full). The paper
 *    weights L1 inside the mask region; plain L1 over the image (as the issue allows) also
 *    teaches G to copy the background, which the metric does not score.
 * Evaluation feeds G the segmentor's predicted mask, as in training.
 * Loss terms (the torch engine's names): seg (the segmentor's BCE), d, adv, l1.
 */
import type { Tensor } from '@tensorflow/tfjs';
import { bceWithLogits, l1 } from './losses.js';
import { type ProcedureDefinition, collectOutputs } from './procedure.js';
import { type Role, optimiseStep } from './roles.js';
import { BlockqnnError, ErrorCode } from '../../../common/errors.js';

const EVAL_BATCH = 64;

export const segan: ProcedureDefinition = {
  name: 'segan',
  requirements(task, examples) {
    if (task.problem !== 'amodal-completion') {
      throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `procedure segan solves amodal-completion, not ${task.problem}`, { hint: 'use pix2pix, or the procedure made for the problem' });
    }
    const c = examples.channels;
    return {
      segmentor: { input: c + 1, output: 1, fullResolution: true },
      generator: { input: c + 1, output: c, fullResolution: true },
      discriminator: { input: c + 1, output: 1 },
    };
  },
  start(ctx) {
    const { tf, task, roles } = ctx;
    const { segmentor: S, generator: G, discriminator: D } = roles as Record<'segmentor' | 'generator' | 'discriminator', Role>;
    const { lambda } = task.recipe;
    return {
      step(batch) {
        const occluded = ctx.train.images('occluded', batch);
        const visible = ctx.train.images('visible', batch);
        const fullMask = ctx.train.images('fullMask', batch);
        const full = ctx.train.images('full', batch);
        const segmentorInput = tf.concat([occluded, visible], -1);
        try {
          // The mask G reads is the segmentor's output of this step, before its update (detached), as in the torch engine.
          let logit: Tensor | undefined;
          const s = optimiseStep(tf, [S], () => {
            const out = S.run(segmentorInput, true);
            logit = tf.keep(out);
            return { total: bceWithLogits(tf, out, fullMask) };
          }, 'seg');
          const mask = tf.tidy(() => tf.sigmoid(logit!));
          logit!.dispose();
          const generatorInput = tf.concat([occluded, mask], -1);
          const fake = tf.tidy(() => G.peek(generatorInput));
          try {
            const d = optimiseStep(tf, [D], () => {
              const real = bceWithLogits(tf, D.run(tf.concat([full, mask], -1), true), 1);
              const fakeLoss = bceWithLogits(tf, D.run(tf.concat([fake, mask], -1), true), 0);
              return { total: tf.mul(tf.add(real, fakeLoss), 0.5) };
            }, 'd');
            const g = optimiseStep(tf, [G], () => {
              const image = G.run(generatorInput, true);
              const adv = bceWithLogits(tf, D.run(tf.concat([image, mask], -1), true), 1);
              const rec = l1(tf, image, full);
              return { total: tf.add(adv, tf.mul(rec, lambda.l1)), adv, l1: rec };
            });
            return { ...s, ...d, ...g };
          } finally {
            tf.dispose([mask, generatorInput, fake]);
          }
        } finally {
          tf.dispose([occluded, visible, fullMask, full, segmentorInput]);
        }
      },
      outputs(signal) {
        return collectOutputs(ctx, EVAL_BATCH, (indices) => {
          const occluded = ctx.eval.images('occluded', indices);
          const mask = tf.sigmoid(S.run(tf.concat([occluded, ctx.eval.images('visible', indices)], -1), false));
          return { mask, image: G.run(tf.concat([occluded, mask], -1), false) };
        }, signal);
      },
    };
  },
};
