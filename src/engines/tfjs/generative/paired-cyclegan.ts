/**
 * PairedCycleGAN (Chang, Lu, Yu, Finkelstein, "PairedCycleGAN: Asymmetric Style Transfer
 * for Applying and Removing Makeup", CVPR 2018) on tfjs, for style transfer. Two
 * asymmetric generators — G applies a reference's style, F removes style — and two
 * discriminators, per batch:
 * 1. styleDiscriminator Ds on [reference, candidate]: real (reference, styled) — the same
 *    style, worn by another image — against fake (reference, G(plain, reference)):
 *    ½·(BCE(real, 1) + BCE(fake, 0));
 * 2. discriminator Dp on single images: real `plain`, fake F(styled), the same form;
 * 3. G and F together: BCE(Ds(reference, G(plain, reference)), 1) + BCE(Dp(F(styled)), 1)
 *    + λ_l1·(L1(G(plain, reference), styled) + L1(F(styled), plain)) (the synthetic
 *    ground truth the examples give) + λ_rec·L1(F(G(plain, reference)), plain) (the cycle).
 * Loss terms (the torch engine's names): d_style, d_plain, adv, l1, cycle. The two discriminators
 * update one after the other on the same detached outputs: the same as the torch engine's one
 * step on their sum, as neither reads the other.
 */
import { BlockqnnError, ErrorCode } from '../../../common/errors.js';
import { bceWithLogits, l1 } from './losses.js';
import { type ProcedureDefinition, collectOutputs } from './procedure.js';
import { type Role, optimiseStep } from './roles.js';

const EVAL_BATCH = 64;

export const pairedCycleGan: ProcedureDefinition = {
  name: 'paired-cyclegan',
  requirements(task, examples) {
    if (task.problem !== 'style-transfer') {
      throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `procedure paired-cyclegan solves style-transfer, not ${task.problem}`, { hint: 'use the procedure made for the problem (PROCEDURES_FOR_PROBLEM)' });
    }
    const c = examples.channels;
    return {
      generator: { input: 2 * c, output: c, fullResolution: true },
      remover: { input: c, output: c, fullResolution: true },
      styleDiscriminator: { input: 2 * c, output: 1 },
      discriminator: { input: c, output: 1 },
    };
  },
  start(ctx) {
    const { tf, task, roles } = ctx;
    const { generator: G, remover: F, styleDiscriminator: Ds, discriminator: Dp } = roles as Record<'generator' | 'remover' | 'styleDiscriminator' | 'discriminator', Role>;
    const { lambda } = task.recipe;
    return {
      step(batch) {
        const plain = ctx.train.images('plain', batch);
        const reference = ctx.train.images('reference', batch);
        const styled = ctx.train.images('styled', batch);
        const applyInput = tf.concat([plain, reference], -1);
        // Peeks: the generators run again inside their own gradient, where their statistics move (roles.ts).
        const applied = tf.tidy(() => G.peek(applyInput));
        const removed = tf.tidy(() => F.peek(styled));
        try {
          const ds = optimiseStep(tf, [Ds], () => {
            const real = bceWithLogits(tf, Ds.run(tf.concat([reference, styled], -1), true), 1);
            const fake = bceWithLogits(tf, Ds.run(tf.concat([reference, applied], -1), true), 0);
            return { total: tf.mul(tf.add(real, fake), 0.5) };
          }, 'd_style');
          const dp = optimiseStep(tf, [Dp], () => {
            const real = bceWithLogits(tf, Dp.run(plain, true), 1);
            const fake = bceWithLogits(tf, Dp.run(removed, true), 0);
            return { total: tf.mul(tf.add(real, fake), 0.5) };
          }, 'd_plain');
          const g = optimiseStep(tf, [G, F], () => {
            const apply = G.run(applyInput, true);
            const remove = F.run(styled, true);
            const adv = tf.add(bceWithLogits(tf, Ds.run(tf.concat([reference, apply], -1), true), 1), bceWithLogits(tf, Dp.run(remove, true), 1));
            const rec = tf.add(l1(tf, apply, styled), l1(tf, remove, plain));
            const cycle = l1(tf, F.run(apply, true), plain);
            return { total: tf.addN([adv, tf.mul(rec, lambda.l1), tf.mul(cycle, lambda.rec)]), adv, l1: rec, cycle };
          });
          return { ...ds, ...dp, ...g };
        } finally {
          tf.dispose([plain, reference, styled, applyInput, applied, removed]);
        }
      },
      outputs(signal) {
        return collectOutputs(ctx, EVAL_BATCH, (indices) => ({
          applied: G.run(tf.concat([ctx.eval.images('plain', indices), ctx.eval.images('reference', indices)], -1), false),
          removed: F.run(ctx.eval.images('styled', indices), false),
        }), signal);
      },
    };
  },
};
