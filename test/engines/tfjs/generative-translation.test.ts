/**
 * StarGAN on domain translation, on the tfjs engine at test scale (real MNIST digits at
 * 16×16, 256 training and 64 eval examples, 1/16 of the paper's widths, three epochs at a
 * raised learning rate so pure-JS training stays short).
 */
import { describe, expect, it } from 'vitest';
import { trainBaseline } from './generative-fixtures.js';

describe('tfjs generative: domain translation', () => {
  it('StarGAN translates into the target domain more often than the identity does', async () => {
    const { scores, trivial } = await trainBaseline('stargan', 'domain-translation', { train: 256, eval: 64, width: 1 / 16 }, { epochs: 3, batchSize: 16, learningRate: 1e-3 });
    // The identity stays in the source domain: the frozen domain classifier gives it ~0.
    expect(scores.score).toBeGreaterThan(trivial.score + 0.2);
    expect(scores.metrics.targetL1).toBeLessThan(trivial.metrics.targetL1!);
  }, 600_000);
});
