/**
 * PairedCycleGAN (Chang, Lu, Yu, Finkelstein, "PairedCycleGAN: Asymmetric Style Transfer
 * for Applying and Removing Makeup", CVPR 2018) on tfjs, for style transfer. Two
 * asymmetric generators — G applies a reference's style, F removes style — and two
 * discriminators; x = `plain`, y_B = `reference` (another image wearing style B). Per batch:
 * 1. styleDiscriminator Ds on [reference, candidate]: real (y_B, styled) — the same style worn
 *    by x, the analogue of the paper's positives (y_B's makeup warped onto x's face) — against
 *    fake (y_B, G(x, y_B)): ½·(BCE(real, 1) + BCE(fake, 0));
 * 2. discriminator Dp on single images: real x, fake F(y_B) (the paper's D_X: real no-makeup
 *    faces against removed makeup), the same form;
 * 3. G and F together: BCE(Ds(y_B, G(x, y_B)), 1) + BCE(Dp(F(y_B)), 1)
 *    + λ_rec·‖x − F(G(x, y_B))‖₁ (the identity loss, term `cycle`)
 *    + λ_rec·‖y_B − G(F(y_B), G(x, y_B))‖₁ (the style loss, term `style`: y_B's style removed,
 *      then applied again taking the generated x_B as the reference).
 * Unpaired, as the paper: neither generator is fitted to a ground truth. With
 * recipe.pairedCycleGan.pairedL1 the synthetic ground truth also trains both:
 * + λ_l1·(‖G(x, y_B) − styled‖₁ + ‖F(styled) − x‖₁) (term `l1`; the earlier procedure).
 * With recipe.pairedCycleGan.regions, the paper's per-region generators: backgroundGenerator and
 * backgroundRemover beside G and F; every edit of an image is m ⊙ object role + (1 − m) ⊙ background role,
 * m the edited image's region mask (plainRegion for x, styled and G(x, y_B); referenceRegion for y_B
 * and F(y_B)), so each pair learns its region alone.
 * Loss terms (the torch engine's names): d_style, d_plain, adv, cycle, style, l1 (with pairedL1).
 * The two discriminators update one after the other on the same detached outputs: the same as
 * the torch engine's one step on their sum, as neither reads the other.
 */
import type { Tensor } from '@tensorflow/tfjs';
import { BlockqnnError, ErrorCode } from '../../../common/errors.js';
import { bceWithLogits, l1 } from './losses.js';
import { type ProcedureDefinition, collectOutputs } from './procedure.js';
import type { SplitReader } from './data.js';
import { type LossTerms, type Role, type RoleRequirement, optimiseStep } from './roles.js';

/** How a role runs: inside a gradient (train), for a discriminator's input without moving statistics (peek), or at evaluation. */
type Mode = 'train' | 'peek' | 'eval';

const EVAL_BATCH = 64;

export const pairedCycleGan: ProcedureDefinition = {
  name: 'paired-cyclegan',
  requirements(task, examples) {
    if (task.problem !== 'style-transfer') {
      throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `procedure paired-cyclegan solves style-transfer, not ${task.problem}`, {
        hint: 'use the procedure made for the problem (PROCEDURES_FOR_PROBLEM)',
      });
    }
    const c = examples.channels;
    const roles: Record<string, RoleRequirement> = {
      generator: { input: 2 * c, output: c, fullResolution: true },
      remover: { input: c, output: c, fullResolution: true },
      styleDiscriminator: { input: 2 * c, output: 1 },
      discriminator: { input: c, output: 1 },
    };
    if (!task.recipe.pairedCycleGan.regions) return roles;
    return { ...roles, backgroundGenerator: roles.generator!, backgroundRemover: roles.remover! };
  },
  start(ctx) {
    const { tf, task, roles } = ctx;
    const {
      generator: G,
      remover: F,
      styleDiscriminator: Ds,
      discriminator: Dp,
    } = roles as Record<'generator' | 'remover' | 'styleDiscriminator' | 'discriminator', Role>;
    const { backgroundGenerator: Gb, backgroundRemover: Fb } = roles as Partial<Record<'backgroundGenerator' | 'backgroundRemover', Role>>;
    const { lambda } = task.recipe;
    const { pairedL1, regions } = task.recipe.pairedCycleGan;
    const call = (role: Role, x: Tensor, mode: Mode) => (mode === 'peek' ? role.peek(x) : role.run(x, mode === 'train'));
    // Per region: the object generator paints inside the edited image's mask, the background one outside it.
    const edit = (object: Role, background: Role | undefined, x: Tensor, mask: Tensor | undefined, mode: Mode) =>
      background && mask
        ? tf.add(tf.mul(mask, call(object, x, mode)), tf.mul(tf.sub(1, mask), call(background, x, mode)))
        : call(object, x, mode);
    const apply = (image: Tensor, reference: Tensor, mask: Tensor | undefined, mode: Mode) =>
      edit(G, Gb, tf.concat([image, reference], -1), mask, mode);
    const remove = (image: Tensor, mask: Tensor | undefined, mode: Mode) => edit(F, Fb, image, mask, mode);
    const generators = [G, F, ...(Gb && Fb ? [Gb, Fb] : [])];
    const regionsOf = (split: SplitReader, indices: Uint32Array) =>
      regions ? { plain: split.images('plainRegion', indices), reference: split.images('referenceRegion', indices) } : undefined;
    return {
      step(batch) {
        const plain = ctx.train.images('plain', batch);
        const reference = ctx.train.images('reference', batch);
        const styled = ctx.train.images('styled', batch);
        const mask = regionsOf(ctx.train, batch);
        // Peeks: the generators run again inside their own gradient, where their statistics move (roles.ts).
        const applied = tf.tidy(() => apply(plain, reference, mask?.plain, 'peek'));
        const removed = tf.tidy(() => remove(reference, mask?.reference, 'peek'));
        try {
          const ds = optimiseStep(
            tf,
            [Ds],
            () => {
              const real = bceWithLogits(tf, Ds.run(tf.concat([reference, styled], -1), true), 1);
              const fake = bceWithLogits(tf, Ds.run(tf.concat([reference, applied], -1), true), 0);
              return { total: tf.mul(tf.add(real, fake), 0.5) };
            },
            'd_style',
          );
          const dp = optimiseStep(
            tf,
            [Dp],
            () => {
              const real = bceWithLogits(tf, Dp.run(plain, true), 1);
              const fake = bceWithLogits(tf, Dp.run(removed, true), 0);
              return { total: tf.mul(tf.add(real, fake), 0.5) };
            },
            'd_plain',
          );
          const g = optimiseStep(tf, generators, (): LossTerms => {
            const xB = apply(plain, reference, mask?.plain, 'train');
            const y = remove(reference, mask?.reference, 'train');
            const adv = tf.add(bceWithLogits(tf, Ds.run(tf.concat([reference, xB], -1), true), 1), bceWithLogits(tf, Dp.run(y, true), 1));
            const cycle = l1(tf, remove(xB, mask?.plain, 'train'), plain);
            const style = l1(tf, apply(y, xB, mask?.reference, 'train'), reference);
            const terms = [adv, tf.mul(tf.add(cycle, style), lambda.rec)];
            if (!pairedL1) return { total: tf.addN(terms), adv, cycle, style };
            const paired = tf.add(l1(tf, xB, styled), l1(tf, remove(styled, mask?.plain, 'train'), plain));
            return { total: tf.addN([...terms, tf.mul(paired, lambda.l1)]), adv, cycle, style, l1: paired };
          });
          return { ...ds, ...dp, ...g };
        } finally {
          tf.dispose([plain, reference, styled, applied, removed, ...(mask ? [mask.plain, mask.reference] : [])]);
        }
      },
      outputs(signal) {
        return collectOutputs(
          ctx,
          EVAL_BATCH,
          (indices) => {
            const mask = regionsOf(ctx.eval, indices);
            return {
              applied: apply(ctx.eval.images('plain', indices), ctx.eval.images('reference', indices), mask?.plain, 'eval'),
              removed: remove(ctx.eval.images('styled', indices), mask?.plain, 'eval'),
            };
          },
          signal,
        );
      },
    };
  },
};
