/**
 * WINN synthesis on the tfjs engine at test scale (real MNIST digits at 16×16, 256 training
 * images, 64 samples, 1/8 of the paper's widths, a raised learning rate so pure-JS training
 * stays short).
 */
import { describe, expect, it } from 'vitest';
import { examplesFor, networksFor, taskFor, train, trainBaseline } from './generative-fixtures.js';

/** Share of pixels at exactly 0 or 1 and the mean: Gaussian noise N(0.5, 0.5²) clipped to [0, 1] puts 2·P(Z > 1) ≈ 0.317 at the bounds, U(0, 1) none. */
export function startStatistics(pixels: Float32Array): { clipped: number; mean: number } {
  let clipped = 0;
  let sum = 0;
  for (const v of pixels) {
    if (v <= 1e-6 || v >= 1 - 1e-6) clipped++; // a 1e-9 step nudges a clipped pixel by less than this
    sum += v;
  }
  return { clipped: clipped / pixels.length, mean: sum / pixels.length };
}

const scale = { train: 256, eval: 64, width: 1 / 8 };

describe('tfjs generative: introspective synthesis', () => {
  it.each([
    ['gaussian', 0.317],
    ['uniform', 0],
  ] as const)(
    'pseudo-negatives start from %s noise (WINN starts from a Gaussian)',
    async (start, clipped) => {
      // One epoch, one Langevin step too small to move a pixel: the outputs are the starting noise.
      const scale = { train: 16, eval: 4, width: 1 / 8 };
      const task = taskFor('introspective-synthesis', 'winn-synthesis', scale, {
        epochs: 1,
        batchSize: 16,
        samples: 256,
        langevin: { steps: 1, stepSize: 1e-9, noise: 0, start },
      });
      const examples = await examplesFor(task);
      const { outcome } = await train(task, examples, networksFor('winn-synthesis', task, examples, scale.width));
      expect(outcome.status, outcome.error).toBe('ok');
      const stats = startStatistics(outcome.outputs!.samples!);
      expect(stats.clipped).toBeCloseTo(clipped, 2);
      expect(stats.mean).toBeCloseTo(0.5, 1);
    },
    120_000,
  );

  it('WINN synthesis samples score above the mean image', async () => {
    // Langevin ε 1 instead of 0.02: the gradient penalty holds ‖∇f‖ near 1 over all 256 pixels, so a step moves a pixel
    // by about ε/2 · 1/16; at 0.02 twenty steps per epoch leave the noise where it started. At this scale the samples win
    // on the frozen classifier's confidence; their Fréchet distance is still above the mean image's (see the log line).
    // Measured (seed 1) with the paper's Gaussian start and accumulating pool: 0.0704 against the mean image's 0.0614
    // (the earlier uniform start with a replaced pool: 0.092; uniform with the accumulating pool: 0.0775; 6 epochs or
    // 40 steps did not help at this scale). Hence a 1.1× bar where the old procedure had 1.3×.
    const { scores, trivial } = await trainBaseline('winn-synthesis', 'introspective-synthesis', scale, {
      epochs: 4,
      batchSize: 16,
      learningRate: 1e-3,
      langevin: { steps: 20, stepSize: 1, noise: 0.02 },
    });
    expect(scores.score).toBeGreaterThan(1.1 * trivial.score);
    expect(scores.metrics.confidence).toBeGreaterThan(trivial.metrics.confidence!);
  }, 600_000);
});
