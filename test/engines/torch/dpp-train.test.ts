/**
 * Both engines train networks with detail-preserving pooling on real data: a
 * pooled CIFAR-style ResNet (one block per stage, 4/8 channels) on 8×8 MNIST
 * digits (400 training, 200 validation images), with DPP in place of the
 * downsampling. Torch trains Lite-DPP-Sym and Full-S3DPP-Asym (random sampling
 * while training, its expectation in evaluation) for 3 epochs; the pure-JS tfjs
 * backend, ~600× slower, trains Full-DPP-Asym for 2. Tiny, so it checks that
 * training runs end to end and learns, not how well: chance is 0.1, and seeds
 * 1-4 measured 0.33-0.61 (torch, 3 epochs) and 0.40-0.43 (2 epochs).
 */
import { describe, expect, it } from 'vitest';
import { tfjsEngineFactory } from '../../../src/engines/tfjs/engine.js';
import { TorchEngine } from '../../../src/engines/torch/index.js';
import { type Downsampling, buildPooledResNet } from '../../../src/search-space/index.js';
import { parseTask } from '../../../src/task/task.js';
import { torchPython } from './helpers.js';

const taskOf = (epochs: number) =>
  parseTask({
    kind: 'classification',
    dataset: { name: 'mnist', subset: 400, validationSize: 200, imageSize: 8 },
    recipe: { epochs, batchSize: 20, learningRate: 0.02 },
  });
const network = (downsampling: Downsampling) =>
  buildPooledResNet({ n: 1, widths: [4, 8], downsampling, defaults: { inputShape: [8, 8, 1], classes: 10 } }, {}, 'dpp-tiny').ir;
/** Well above chance (0.1; ±0.02 on 200 images) and below every measured run. */
const LEARNS = 0.25;

describe('DPP networks train on real MNIST in both engines', () => {
  it('torch', async () => {
    const torch = new TorchEngine({ python: await torchPython() });
    try {
      const networks = {
        'lite-sym': network({ kind: 'dpp', variant: 'lite', reward: 'sym', sampling: 'none' }),
        'full-s3-asym': network({ kind: 'dpp', variant: 'full', reward: 'asym', sampling: 's3' }),
      };
      for (const [name, ir] of Object.entries(networks)) {
        const outcome = await torch.train({ ir, task: taskOf(3), seed: 1 }, new AbortController().signal, () => {});
        expect({ name, status: outcome.status }).toEqual({ name, status: 'ok' });
        expect(outcome.accuracy!, name).toBeGreaterThanOrEqual(LEARNS);
        expect(outcome.curve.at(-1)!.loss!, name).toBeLessThan(outcome.curve[0]!.loss!);
      }
    } finally {
      await torch.close();
    }
  }, 120_000);

  it('tfjs', async () => {
    const tfjs = await tfjsEngineFactory.create();
    const outcome = await tfjs.train(
      { ir: network({ kind: 'dpp', variant: 'full', reward: 'asym', sampling: 'none' }), task: taskOf(2), seed: 1 },
      new AbortController().signal,
      () => {},
    );
    expect(outcome.status).toBe('ok');
    expect(outcome.accuracy!).toBeGreaterThanOrEqual(LEARNS);
    expect(outcome.curve.at(-1)!.loss!).toBeLessThan(outcome.curve[0]!.loss!);
  }, 120_000);
});
