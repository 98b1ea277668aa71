/**
 * PairedCycleGAN on style transfer, on the tfjs engine at test scale (real MNIST digits at
 * 16×16, 256 training and 64 eval examples, 1/8 of the papers' widths, four epochs at a
 * raised learning rate so pure-JS training stays short).
 */
import { describe, expect, it } from 'vitest';
import { trainBaseline } from './generative-fixtures.js';

describe('tfjs generative: style transfer', () => {
  it('PairedCycleGAN applies and removes a style closer than the identity, in both directions', async () => {
    const { scores, trivial } = await trainBaseline('paired-cyclegan', 'style-transfer', { train: 256, eval: 64, width: 1 / 8 }, { epochs: 4, batchSize: 8, learningRate: 2e-3 });
    expect(scores.score).toBeGreaterThan(trivial.score + 0.04);
    expect(scores.metrics.applyL1).toBeLessThan(0.75 * trivial.metrics.applyL1!);
    expect(scores.metrics.removeL1).toBeLessThan(0.75 * trivial.metrics.removeL1!);
  }, 600_000);
});
