/**
 * WINN's parts on tfjs, on real MNIST digits (8×8): training steps on the critic
 * term separate real images from the noise pool (the Wasserstein estimate rises)
 * with a finite, positive gradient penalty; Langevin synthesis raises the critic's
 * score on its pseudo-negatives step by step and adds them to the pool.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, type Dataset } from '../../../src/datasets/index.js';
import { compileIr, type Tfjs } from '../../../src/engines/tfjs/index.js';
import { Introspection } from '../../../src/engines/tfjs/introspection.js';
import { explainMissingGradient } from '../../../src/engines/tfjs/introspective.js';
import { BlockqnnError } from '../../../src/common/errors.js';
import { registerSecondOrderGradients } from '../../../src/engines/tfjs/second-order.js';
import { fillBatch } from '../../../src/engines/batches.js';
import { INPUT_ID, IrBuilder } from '../../../src/search-space/index.js';
import { introspectiveSchema } from '../../../src/task/introspective.js';
import { tfjs } from './helpers.js';

let tf: Tfjs;
let data: Dataset;
beforeAll(async () => {
  tf = await tfjs();
  registerSecondOrderGradients(tf);
  data = await loadDataset({ name: 'mnist', subset: 100, validationSize: 20, imageSize: 8 });
});

function tinyModel() {
  const b = new IrBuilder('winn-parts', [8, 8, 1]);
  let x = b.relu(b.batchNorm(b.conv(INPUT_ID, { filters: 4, kernel: 3, padding: 1 })));
  x = b.maxPool(x, { kernel: 2 });
  return compileIr(tf, b.build(b.dense(b.globalAvgPool(b.relu(b.conv(x, { filters: 8, kernel: 3, padding: 1 }))), { units: 10 }))).model;
}

function realBatch(n: number) {
  const buffer = new Float32Array(n * 64);
  const indices = Array.from({ length: n }, (_, i) => i);
  fillBatch(data.train, data.shape, indices, 'none', () => 0, buffer);
  return { buffer, labels: Int32Array.from(indices, (i) => data.train.labels[i]!) };
}

describe('WINN parts on tfjs', () => {
  it('critic steps separate real digits from the noise pool; the gradient penalty is finite and positive', () => {
    const model = tinyModel();
    const options = introspectiveSchema.parse({ criticWeight: 1, synthesisPerEpoch: 32, poolSize: 64 });
    const intro = new Introspection(tf, model, options, 10, data.shape, 3);
    const optimizer = tf.train.adam(0.02);
    const { buffer, labels } = realBatch(8);
    const steps = Array.from({ length: 20 }, () => intro.trainStep(optimizer, buffer, labels, 0));
    for (const s of steps) {
      expect(Number.isFinite(s.total) && Number.isFinite(s.gap)).toBe(true);
      expect(Number.isFinite(s.penalty)).toBe(true);
      expect(s.penalty).toBeGreaterThan(0);
    }
    // The Wasserstein estimate E f(real) − E f(noise) grows as the critic learns (early steps also see the batch-norm
    // running statistics move under the critic, so compare the ends of the run).
    const early = (steps[0]!.gap + steps[1]!.gap) / 2;
    const late = (steps[18]!.gap + steps[19]!.gap) / 2;
    expect(late).toBeGreaterThan(early);
    expect(intro.pool.size).toBe(32);
    optimizer.dispose();
    intro.dispose();
    model.dispose();
  });

  it('synthesis climbs the critic step by step until the step budget and fills the pool', async () => {
    const model = tinyModel();
    // No class term and no noise: pure ascent on f, so every step must raise the batch's score.
    const options = introspectiveSchema.parse({
      synthesisPerEpoch: 10,
      synthesisSteps: 6,
      classWeight: 0,
      noise: 0,
      stepSize: 0.5,
      poolSize: 20,
    });
    const intro = new Introspection(tf, model, options, 10, data.shape, 5);
    // A threshold no batch reaches: the round runs the whole step budget.
    const round = await intro.synthesise([1e9, 1e9], 10, new AbortController().signal);
    expect(round.winnSynthesisSteps).toBe(6);
    expect(round.winnSynthesisScoreEnd).toBeGreaterThan(round.winnSynthesisScoreStart);
    expect(intro.pool.size).toBe(20);
    // A reachable threshold (below the noise's score) stops before the first step.
    const stopped = await intro.synthesise([-1e9, -1e9], 10, new AbortController().signal);
    expect(stopped.winnSynthesisSteps).toBe(0);
    expect(stopped.winnSynthesisScoreEnd).toBe(stopped.winnSynthesisScoreStart);
    intro.dispose();
    model.dispose();
  });

  it('a cancelled synthesis stops with TrainingAborted', async () => {
    const model = tinyModel();
    const intro = new Introspection(
      tf,
      model,
      introspectiveSchema.parse({ synthesisPerEpoch: 10, synthesisSteps: 100, poolSize: 20 }),
      10,
      data.shape,
      1,
    );
    const controller = new AbortController();
    controller.abort('stop');
    await expect(intro.synthesise([1e9, 1e9], 10, controller.signal)).rejects.toThrow(/training aborted: stop/);
    intro.dispose();
    model.dispose();
  });

  it('a kernel tfjs cannot differentiate twice becomes an error naming it and the way out; other errors pass through', () => {
    const missing = new Error('Cannot compute gradient: gradient function not found for SomeKernelGrad.');
    let thrown: unknown;
    try {
      explainMissingGradient(missing);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BlockqnnError);
    expect((thrown as BlockqnnError).code).toBe('ENGINE_UNAVAILABLE');
    expect((thrown as BlockqnnError).message).toMatch(/no gradient for kernel SomeKernelGrad/);
    expect((thrown as BlockqnnError).hint).toMatch(/--engine torch/);
    const other = new Error('out of memory');
    expect(() => explainMissingGradient(other)).toThrow(other);
  });
});
