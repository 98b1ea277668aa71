/**
 * Both engines, one recipe, the same real data: a BlockQNN ResNet-like network
 * on MNIST (1,000 training images at 8×8, 500 validation images, 3 epochs of
 * Adam at 0.02 stepped ×0.2 after 2) reaches the same accuracy on tfjs and torch.
 *
 * Tolerance: measured here, torch over seeds 1–8 gave 0.774–0.846 (mean 0.80,
 * standard deviation 0.023) and tfjs over seeds 1–3 gave 0.786–0.812. Seeds
 * change the initial weights (and the two engines draw them differently), so one
 * tfjs run against the mean of five torch runs differs by about
 * 0.023·√(1 + 1/5) ≈ 0.025 when the engines are equivalent; 0.1 is four of
 * those. Chance is 0.1, so "clearly learns" is ≥ 0.5. Exact equality is tested
 * where it exists: the same batches (recipe.test.ts) and the same outputs for
 * the same weights (codegen.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { tfjsEngineFactory } from '../../../src/engines/tfjs/engine.js';
import { TorchEngine } from '../../../src/engines/torch/index.js';
import { PAPER_BLOCKS, assembleNetwork } from '../../../src/search-space/index.js';
import { parseTask } from '../../../src/task/task.js';
import { torchPython } from './helpers.js';

const ir = assembleNetwork(PAPER_BLOCKS.resnet, { inputShape: [8, 8, 1], classes: 10, blocksPerStage: 1, baseFilters: 4, stages: 2 }).ir;
const task = parseTask({
  kind: 'classification',
  dataset: { name: 'mnist', subset: 1000, validationSize: 500, imageSize: 8 },
  recipe: { epochs: 3, batchSize: 25, learningRate: 0.02, lrDecay: { factor: 0.2, every: 2 } },
});
const TOLERANCE = 0.1;
const CLEARLY_LEARNS = 0.5;

describe('torch and tfjs engines: the same accuracy on real MNIST', () => {
  it('one tfjs run lies within the tolerance of five torch runs', async () => {
    const never = new AbortController().signal;
    const torch = new TorchEngine({ python: await torchPython() });
    const torchAccuracies: number[] = [];
    try {
      for (const seed of [1, 2, 3, 4, 5]) torchAccuracies.push((await torch.train({ ir, task, seed }, never, () => {})).accuracy!);
    } finally {
      await torch.close();
    }
    // Not concurrently: the trainer's OpenMP threads and tfjs would fight over the cores.
    const tfjs = await tfjsEngineFactory.create();
    const tfjsAccuracy = (await tfjs.train({ ir, task, seed: 1 }, never, () => {})).accuracy!;
    const mean = torchAccuracies.reduce((a, b) => a + b, 0) / torchAccuracies.length;
    const report = `tfjs ${tfjsAccuracy}, torch ${torchAccuracies.join(', ')} (mean ${mean.toFixed(3)})`;
    expect(Math.min(tfjsAccuracy, ...torchAccuracies), report).toBeGreaterThanOrEqual(CLEARLY_LEARNS);
    expect(Math.abs(tfjsAccuracy - mean), report).toBeLessThanOrEqual(TOLERANCE);
  }, 240_000);
});
