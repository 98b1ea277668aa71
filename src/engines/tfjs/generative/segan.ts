/**
 * SeGAN (Ehsani, Mottaghi, Farhadi, "SeGAN: Segmenting and Generating the Invisible",
 * CVPR 2018) on tfjs, for amodal completion. Everything runs on the crop around the object
 * (src/task/image2image/object-crop.ts: the visible mask's box, grown and resized to the
 * network input; `crop*` arrays); the outputs are pasted back into the frame by
 * procedure-examples.ts, which the engine's entry point applies. Per batch:
 * 1. segmentor S on [occluded, visible] → full-mask logit, BCE against fullMask;
 * 2. the generator's input is the paper's fused picture, built from m̂ = σ(S(·)) of step 1's
 *    forward, held fixed (detached): visible pixels keep the image (grey repeated to RGB),
 *    the rest is red (1, 0, 0) where m̂ says object and blue (0, 0, 1) where it says
 *    background — fused = v·image + (1 − v)·(m̂·red + (1 − m̂)·blue), so a confident m̂ gives
 *    exactly the paper's picture and an unsure one a blend;
 * 3. discriminator D on [image, m̂]: ½·(BCE(D(full, m̂), 1) + BCE(D(G(fused), m̂), 0)) — real
 *    and fake are judged under the same predicted mask, so the mask's sharpness cannot give
 *    the fake away;
 * 4. generator G: BCE(D(G, m̂), 1) + λ_l1·L1(G, full). The paper weights L1 inside the mask
 *    region; plain L1 over the crop also teaches G the background, which the metric does not score.
 * Evaluation feeds G the fused picture of the segmentor's predicted mask, as in training.
 * Loss terms (the torch engine's names): seg (the segmentor's BCE), d, adv, l1.
 */
import type { Tensor } from '@tensorflow/tfjs';
import { BlockqnnError, ErrorCode } from '../../../common/errors.js';
import { SEGAN_FUSED_CHANNELS } from '../../../search-space/baselines/generative/index.js';
import type { Tfjs } from '../backend.js';
import { bceWithLogits, l1 } from './losses.js';
import { type ProcedureDefinition, collectOutputs } from './procedure.js';
import { type Role, optimiseStep } from './roles.js';

const EVAL_BATCH = 64;

/** The paper's fused picture [n, S, S, 3] from the image [n, S, S, C], the visible mask and the full-mask probability ([n, S, S, 1] each). */
export function fusedPicture(tf: Tfjs, image: Tensor, visible: Tensor, mask: Tensor): Tensor {
  return tf.tidy(() => {
    const rgb = image.shape.at(-1) === 1 ? tf.tile(image, [1, 1, 1, 3]) : image;
    const painted = tf.concat([mask, tf.zerosLike(mask), tf.sub(1, mask)], -1);
    return tf.add(tf.mul(visible, rgb), tf.mul(tf.sub(1, visible), painted));
  });
}

export const segan: ProcedureDefinition = {
  name: 'segan',
  requirements(task, examples) {
    if (task.problem !== 'amodal-completion') {
      throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `procedure segan solves amodal-completion, not ${task.problem}`, {
        hint: 'use pix2pix, or the procedure made for the problem',
      });
    }
    const c = examples.channels;
    return {
      segmentor: { input: c + 1, output: 1, fullResolution: true },
      generator: { input: SEGAN_FUSED_CHANNELS, output: c, fullResolution: true },
      discriminator: { input: c + 1, output: 1 },
    };
  },
  start(ctx) {
    const { tf, task, roles } = ctx;
    const { segmentor: S, generator: G, discriminator: D } = roles as Record<'segmentor' | 'generator' | 'discriminator', Role>;
    const { lambda } = task.recipe;
    return {
      step(batch) {
        const occluded = ctx.train.images('cropOccluded', batch);
        const visible = ctx.train.images('cropVisible', batch);
        const fullMask = ctx.train.images('cropFullMask', batch);
        const full = ctx.train.images('cropFull', batch);
        const segmentorInput = tf.concat([occluded, visible], -1);
        try {
          // The mask G reads is the segmentor's output of this step, before its update (detached), as in the torch engine.
          let logit: Tensor | undefined;
          const s = optimiseStep(
            tf,
            [S],
            () => {
              const out = S.run(segmentorInput, true);
              logit = tf.keep(out);
              return { total: bceWithLogits(tf, out, fullMask) };
            },
            'seg',
          );
          const mask = tf.tidy(() => tf.sigmoid(logit!));
          logit!.dispose();
          const generatorInput = fusedPicture(tf, occluded, visible, mask);
          const fake = tf.tidy(() => G.peek(generatorInput));
          try {
            const d = optimiseStep(
              tf,
              [D],
              () => {
                const real = bceWithLogits(tf, D.run(tf.concat([full, mask], -1), true), 1);
                const fakeLoss = bceWithLogits(tf, D.run(tf.concat([fake, mask], -1), true), 0);
                return { total: tf.mul(tf.add(real, fakeLoss), 0.5) };
              },
              'd',
            );
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
        return collectOutputs(
          ctx,
          EVAL_BATCH,
          (indices) => {
            const occluded = ctx.eval.images('cropOccluded', indices);
            const visible = ctx.eval.images('cropVisible', indices);
            const mask = tf.sigmoid(S.run(tf.concat([occluded, visible], -1), false));
            return { mask, image: G.run(fusedPicture(tf, occluded, visible, mask), false) };
          },
          signal,
        );
      },
    };
  },
};
