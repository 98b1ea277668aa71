/**
 * pix2pix and SeGAN on amodal completion, on the tfjs engine at test scale (real MNIST
 * digits at 16×16, 256 training and 64 eval examples, 1/8 of the papers' widths, three
 * epochs at a raised learning rate so pure-JS training stays short): both predict part of
 * the invisible region, where the trivial answer (the visible mask) predicts none of it.
 */
import { describe, expect, it } from 'vitest';
import { trainBaseline } from './generative-fixtures.js';

const scale = { train: 256, eval: 64, width: 1 / 8 };
const recipe = { epochs: 3, batchSize: 16, learningRate: 2e-3 };

describe('tfjs generative: amodal completion', () => {
  it('pix2pix beats the trivial answer on the invisible-region IoU', async () => {
    const { scores, trivial, outcome } = await trainBaseline('unet-pix2pix', 'amodal-completion', scale, recipe);
    expect(trivial.score).toBe(0);
    expect(scores.score).toBeGreaterThan(trivial.score + 0.1);
    expect(outcome.curve.at(-1)!.losses.l1).toBeLessThan(outcome.curve[0]!.losses.l1!);
  }, 600_000);

  it('DLA-up (DLA-34 + iterative deep aggregation upward) as the pix2pix generator beats the trivial answer on the invisible-region IoU', async () => {
    const { scores, trivial, outcome } = await trainBaseline('dla-up', 'amodal-completion', scale, recipe);
    // Measured (seed 1): 0.292, beside pix2pix's U-Net 0.178 and SeGAN 0.304 in the same run.
    expect(scores.score).toBeGreaterThan(trivial.score + 0.1);
    expect(outcome.curve.at(-1)!.losses.l1).toBeLessThan(outcome.curve[0]!.losses.l1!);
  }, 600_000);

  it('SeGAN (on the object crop, fused generator input) beats the trivial answer on the invisible-region IoU', async () => {
    // Measured (seed 1): 0.304 with #18's crop and fused input; 0.244 before.
    const { scores, trivial, outcome } = await trainBaseline('segan', 'amodal-completion', scale, recipe);
    expect(scores.score).toBeGreaterThan(trivial.score + 0.1);
    expect(outcome.curve.at(-1)!.losses.seg).toBeLessThan(outcome.curve[0]!.losses.seg!);
  }, 600_000);
});
