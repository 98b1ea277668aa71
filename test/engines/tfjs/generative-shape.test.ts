/**
 * The Variational U-Net on shape-guided generation, on the tfjs engine at test scale (real
 * MNIST digits at 16×16, 256 training and 64 eval examples, 1/8 of the paper's widths, a
 * raised learning rate so pure-JS training stays short).
 */
import { describe, expect, it } from 'vitest';
import { trainBaseline } from './generative-fixtures.js';

const scale = { train: 256, eval: 64, width: 1 / 8 };

describe('tfjs generative: shape-guided generation', () => {
  it('the Variational U-Net beats the trivial answer on SSIM', async () => {
    // λ_kl 10 instead of 0.01: with the weak KL the posterior mean grows to |μ| ≈ 8 within ~50 steps, and the tiled z
    // channels, unnormalised on the U-Net's outermost skip, saturate the output sigmoid at 0 — every image black, which
    // scoreOutputs reports as mode collapse. A KL that keeps z near the prior trains at this scale.
    const { scores, trivial } = await trainBaseline('vunet', 'shape-guided', scale, { epochs: 5, batchSize: 8, learningRate: 2e-3, lambda: { kl: 10 } });
    expect(scores.score).toBeGreaterThan(trivial.score + 0.1);
    expect(scores.metrics.l1).toBeLessThan(trivial.metrics.l1!);
  }, 600_000);
});
