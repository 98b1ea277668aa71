/**
 * The tfjs generative loop's contract, on tiny networks: the pure-JS filter gradient it
 * installs equals the definition, a non-finite loss ends as `diverged` (never a silent
 * zero), roles that do not fit the procedure fail naming the role and the fix, an aborted
 * signal stops the training, and every output has the problem's names and sizes.
 */
import { describe, expect, it } from 'vitest';
import { TrainingAborted } from '../../../src/engines/engine.js';
import { registerFastFilterGradient } from '../../../src/engines/tfjs/cpu-filter-gradient.js';
import { compileRoles, disposeRoles } from '../../../src/engines/tfjs/generative/roles.js';
import { PROBLEM_OUTPUTS } from '../../../src/task/image2image/schema.js';
import { examplesFor, networksFor, taskFor, train } from './generative-fixtures.js';
import { prng, tfjs } from './helpers.js';

const tiny = { train: 24, eval: 8, width: 1 / 32 };

/** dW[r, c, i, o] = Σ_{b, y, x} X[b, y·s + r − top, x·s + c − left, i] · dY[b, y, x, o], straight from the definition. */
function filterGradient(
  x: Float32Array,
  xs: number[],
  dy: Float32Array,
  dys: number[],
  k: [number, number],
  stride: number,
  top: number,
  left: number,
): Float32Array {
  const [n, h, w, ci] = xs as [number, number, number, number];
  const [, oh, ow, co] = dys as [number, number, number, number];
  const out = new Float32Array(k[0] * k[1] * ci * co);
  for (let r = 0; r < k[0]; r++)
    for (let c = 0; c < k[1]; c++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) {
          let sum = 0;
          for (let b = 0; b < n; b++)
            for (let y = 0; y < oh; y++)
              for (let xx = 0; xx < ow; xx++) {
                const iy = y * stride + r - top;
                const ix = xx * stride + c - left;
                if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                  sum += x[((b * h + iy) * w + ix) * ci + i]! * dy[((b * oh + y) * ow + xx) * co + o]!;
              }
          out[((r * k[1] + c) * ci + i) * co + o] = sum;
        }
  return out;
}

describe('tfjs generative loop', () => {
  it('computes the convolution filter gradient of the pure-JS backend as its definition, for strides and paddings', async () => {
    const tf = await tfjs();
    registerFastFilterGradient(tf);
    registerFastFilterGradient(tf); // idempotent
    const random = prng(7);
    const cases = [
      { x: [2, 9, 9, 3], k: [3, 3] as [number, number], co: 5, stride: 1, pad: 'valid' as const },
      { x: [2, 16, 16, 4], k: [4, 4] as [number, number], co: 8, stride: 2, pad: 1 },
      { x: [3, 7, 8, 2], k: [3, 2] as [number, number], co: 3, stride: 2, pad: 'same' as const },
    ];
    for (const c of cases) {
      const x = Float32Array.from({ length: c.x.reduce((a, b) => a * b, 1) }, () => random() * 2 - 1);
      const filter = tf.zeros([...c.k, c.x[3]!, c.co]) as import('@tensorflow/tfjs').Tensor4D;
      const xt = tf.tensor4d(x, c.x as [number, number, number, number]);
      const y = tf.conv2d(xt, filter, c.stride, c.pad);
      const dy = Float32Array.from({ length: y.size }, () => random() * 2 - 1);
      const dyt = tf.tensor4d(dy, y.shape);
      const got = (
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropFilter',
            { x: xt, dy: dyt },
            { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: [...c.k, c.x[3]!, c.co] },
          ) as import('@tensorflow/tfjs').Tensor
      ).dataSync();
      // The padding offsets as tfjs resolves 'valid', 'same' and numbers; the sum itself is checked against the definition.
      const info = tf.backend_util.computeConv2DInfo(c.x as [number, number, number, number], [...c.k, c.x[3]!, c.co], c.stride, 1, c.pad);
      const want = filterGradient(x, c.x, dy, y.shape, c.k, c.stride, info.padInfo.top, info.padInfo.left);
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 4);
      tf.dispose([filter, xt, y, dyt]);
    }
  });

  it('peeks at a training-mode forward without moving the batch-norm running statistics', async () => {
    const tf = await tfjs();
    const task = taskFor('shape-guided', 'pix2pix', tiny, { epochs: 1 });
    const examples = await examplesFor(task);
    const roles = compileRoles(tf, {
      procedure: 'pix2pix',
      networks: networksFor('unet-pix2pix', task, examples, tiny.width),
      imageSize: 16,
      recipe: task.recipe,
      random: () => 1,
      requirements: { generator: { input: 2, output: 1, fullResolution: true }, discriminator: { input: 3, output: 1 } },
    });
    try {
      const G = roles.generator!;
      const statistics = () => G.model.nonTrainableWeights.map((w) => Array.from(w.read().dataSync()));
      expect(G.model.nonTrainableWeights.length).toBeGreaterThan(0);
      const before = statistics();
      const x = tf.randomUniform([4, 16, 16, 2], 0, 1, 'float32', 3);
      const peeked = G.peek(x);
      expect(statistics()).toEqual(before);
      const ran = G.run(x, true);
      expect(Array.from(ran.dataSync())).toEqual(Array.from(peeked.dataSync()));
      expect(statistics()).not.toEqual(before);
      tf.dispose([x, peeked, ran]);
    } finally {
      disposeRoles(roles);
    }
  });

  it('reports a non-finite loss as diverged, naming the term and the epoch, without outputs', async () => {
    const task = taskFor('shape-guided', 'vunet', tiny, { epochs: 2, batchSize: 8 });
    const examples = await examplesFor(task);
    // The schema bounds λ; an engine must still never turn an infinite loss into a number.
    const { outcome } = await train(
      { ...task, recipe: { ...task.recipe, lambda: { ...task.recipe.lambda, kl: Infinity } } },
      examples,
      networksFor('vunet', task, examples, tiny.width),
    );
    expect(outcome.status).toBe('diverged');
    expect(outcome.error).toMatch(/loss .* became (Infinity|NaN) in epoch 1 of vunet/);
    expect(outcome.outputs).toBeUndefined();
  });

  it('refuses networks that do not fit the procedure, naming the role and the fix', async () => {
    const amodal = taskFor('amodal-completion', 'pix2pix', tiny, { epochs: 1 });
    const amodalExamples = await examplesFor(amodal);
    const translation = taskFor('domain-translation', 'pix2pix', tiny, { epochs: 1 });
    const translationExamples = await examplesFor(translation);
    // Roles are checked in name order. Translation's discriminator reads C + K + C = 5 channels; amodal feeds (C + 1) + (C + 1) = 4.
    await expect(train(amodal, amodalExamples, networksFor('unet-pix2pix', translation, translationExamples, tiny.width))).rejects.toThrow(
      /procedure pix2pix, role discriminator: input has 5 channels, the procedure feeds 4/,
    );
    const { discriminator: _, ...withoutDiscriminator } = networksFor('unet-pix2pix', amodal, amodalExamples, tiny.width);
    await expect(train(amodal, amodalExamples, withoutDiscriminator)).rejects.toThrow(
      /procedure pix2pix trains the roles generator, discriminator; got generator \(missing discriminator\)/,
    );
    const segan = taskFor('amodal-completion', 'segan', tiny, { epochs: 1 });
    await expect(
      train({ ...segan, problem: 'shape-guided' }, amodalExamples, networksFor('segan', segan, amodalExamples, tiny.width)),
    ).rejects.toThrow(/procedure segan solves amodal-completion, not shape-guided/);
  });

  it('trains the same outputs from the same seed, and others from another seed', async () => {
    const task = taskFor('domain-translation', 'pix2pix', tiny, { epochs: 1, batchSize: 8 });
    const examples = await examplesFor(task);
    const networks = networksFor('unet-pix2pix', task, examples, tiny.width);
    const [a, b, c] = [
      await train(task, examples, networks),
      await train(task, examples, networks),
      await train(task, examples, networks, undefined, 2),
    ];
    expect(a.outcome.outputs!.image).toEqual(b.outcome.outputs!.image);
    expect(a.outcome.curve[0]!.losses).toEqual(b.outcome.curve[0]!.losses);
    expect(c.outcome.outputs!.image).not.toEqual(a.outcome.outputs!.image);
  });

  it('stops at an aborted signal', async () => {
    const task = taskFor('amodal-completion', 'pix2pix', tiny, { epochs: 1 });
    const examples = await examplesFor(task);
    const controller = new AbortController();
    controller.abort('cancelled by test');
    await expect(train(task, examples, networksFor('unet-pix2pix', task, examples, tiny.width), controller.signal)).rejects.toBeInstanceOf(
      TrainingAborted,
    );
  });

  it('returns every output of the problem at the eval split size, in [0, 1], with a loss curve per epoch, and releases its tensors', async () => {
    for (const [problem, baseline] of [
      ['amodal-completion', 'unet-pix2pix'],
      ['style-transfer', 'unet-pix2pix'],
    ] as const) {
      const task = taskFor(problem, 'pix2pix', tiny, { epochs: 2, batchSize: 8 });
      const examples = await examplesFor(task);
      const tensors = (await tfjs()).memory().numTensors;
      const { outcome, progress } = await train(task, examples, networksFor(baseline, task, examples, tiny.width));
      expect(outcome.status).toBe('ok');
      // Every batch, role and optimiser tensor is released: a worker trains candidate after candidate in one process.
      expect((await tfjs()).memory().numTensors).toBe(tensors);
      expect(progress.map((p) => [p.epoch, p.epochs])).toEqual([
        [1, 2],
        [2, 2],
      ]);
      expect(outcome.curve.map((r) => Object.keys(r.losses).sort())).toEqual(
        Array(2).fill(problem === 'amodal-completion' ? ['adv', 'd', 'l1', 'mask'] : ['adv', 'd', 'l1']),
      );
      const channels = PROBLEM_OUTPUTS(problem, examples.channels);
      expect(Object.keys(outcome.outputs!).sort()).toEqual(Object.keys(channels).sort());
      for (const [name, c] of Object.entries(channels)) {
        const data = outcome.outputs![name]!;
        expect(data.length).toBe(tiny.eval * 16 * 16 * c);
        expect(data.every((v) => v >= 0 && v <= 1)).toBe(true);
      }
    }
  });

  it('trains PairedCycleGAN (unpaired, pairedL1, per region) and VUNet with its extra outputs, releasing tensors', async () => {
    const terms = ['adv', 'cycle', 'd_plain', 'd_style', 'style'];
    for (const [pairedL1, regions] of [
      [false, false],
      [true, false],
      [false, true],
    ] as const) {
      const task = taskFor('style-transfer', 'paired-cyclegan', tiny, { epochs: 1, batchSize: 8, pairedCycleGan: { pairedL1, regions } });
      const examples = await examplesFor(task);
      const tensors = (await tfjs()).memory().numTensors;
      const networks = networksFor('paired-cyclegan', task, examples, tiny.width);
      expect(Object.keys(networks).length).toBe(regions ? 6 : 4);
      const { outcome } = await train(task, examples, networks);
      expect(outcome.status, outcome.error).toBe('ok');
      expect((await tfjs()).memory().numTensors).toBe(tensors);
      expect(Object.keys(outcome.curve[0]!.losses).sort()).toEqual(pairedL1 ? [...terms, 'l1'].sort() : terms);
    }
    const task = taskFor('shape-guided', 'vunet', tiny, { epochs: 1, batchSize: 8 });
    const examples = await examplesFor(task);
    const tensors = (await tfjs()).memory().numTensors;
    const { outcome } = await train(task, examples, networksFor('vunet', task, examples, tiny.width));
    expect(outcome.status, outcome.error).toBe('ok');
    expect((await tfjs()).memory().numTensors).toBe(tensors);
    for (const name of ['image', 'reconstruction', 'prior']) expect(outcome.outputs![name]!.length, name).toBe(tiny.eval * 16 * 16);
    // The prior sample is another picture than the transfer (z from N(0, I), not μ of the appearance).
    expect(outcome.outputs!.prior).not.toEqual(outcome.outputs!.image);
  });
});
