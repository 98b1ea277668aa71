/**
 * The compiled layers compute what the IR means (PyTorch semantics), checked
 * against naive loop implementations on real data with random weights; and the
 * computed output has the inferred shape, not just the symbolic one.
 */
import { describe, expect, it } from 'vitest';
import type { Tensor } from '@tensorflow/tfjs';
import { IrBuilder, INPUT_ID } from '../../../src/search-space/index.js';
import { compileIr } from '../../../src/engines/tfjs/index.js';
import { prng, tfjs } from './helpers.js';
import { OP_CASES, caseIr } from './ops.js';
import { type Arr, maxAbsDiff } from './reference.js';

const toArr = (t: Tensor): Arr => ({ shape: [...t.shape], data: Float32Array.from(t.dataSync()) });

describe('compiled ops match PyTorch semantics', () => {
  for (const c of OP_CASES) {
    it(c.name, async () => {
      const tf = await tfjs();
      const checked = caseIr(c);
      const compiled = compileIr(tf, checked);
      const random = prng(c.name.length * 7919);
      // Random trainable weights everywhere, so biases and norm affines are not the identity.
      for (const layer of compiled.model.layers) {
        if (layer.trainableWeights.length === 0) continue;
        layer.setWeights(
          layer.getWeights().map((w, i) =>
            layer.weights[i]!.trainable
              ? tf.tensor(
                  Float32Array.from({ length: w.size }, () => random() * 2 - 1),
                  w.shape,
                )
              : w,
          ),
        );
      }
      const x = tf.tensor(
        Float32Array.from({ length: 2 * c.input.reduce((a, b) => a * b, 1) }, () => random() * 4 - 2),
        [2, ...c.input],
      );
      const y = compiled.model.predict(x) as Tensor;
      expect(y.shape).toEqual([2, ...checked.shapes.get(checked.ir.output)!]);
      if (c.reference) {
        const layer = compiled.model.getLayer(compiled.layerNames.get(checked.ir.output)!);
        const expected = c.reference(toArr(x), layer.getWeights().map(toArr));
        expect(y.shape).toEqual(expected.shape);
        expect(maxAbsDiff(y.dataSync(), expected.data)).toBeLessThan(1e-4);
      }
      compiled.model.dispose();
    });
  }

  it('batch norm: PyTorch momentum m updates running = (1 - m)·running + m·batch, and epsilon is kept', async () => {
    const tf = await tfjs();
    const b = new IrBuilder('bn', [2, 2, 2]);
    const checked = b.build(b.batchNorm(INPUT_ID, { momentum: 0.25, epsilon: 0.01 }));
    const compiled = compileIr(tf, checked);
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
    // A training-mode call updates the moving statistics from the batch.
    compiled.model.apply(x, { training: true });
    const layer = compiled.model.getLayer(compiled.layerNames.get(checked.ir.output)!);
    const [, , movingMean] = layer.getWeights();
    // Channel means are 4 and 5; running mean starts at 0.
    expect(Array.from(movingMean!.dataSync())).toEqual([0.25 * 4, 0.25 * 5].map((v) => expect.closeTo(v, 6)));
    expect(layer.getConfig()['epsilon']).toBe(0.01);
    compiled.model.dispose();
  });

  it('dropout is active in training only', async () => {
    const tf = await tfjs();
    const b = new IrBuilder('dropout', [4, 4, 4]);
    const compiled = compileIr(tf, b.build(b.dropout(INPUT_ID, 0.5)));
    const x = tf.ones([2, 4, 4, 4]);
    expect(Array.from((compiled.model.predict(x) as Tensor).dataSync()).every((v) => v === 1)).toBe(true);
    const trained = Array.from((compiled.model.apply(x, { training: true }) as Tensor).dataSync());
    expect(trained.some((v) => v === 0)).toBe(true);
    expect(trained.every((v) => v === 0 || v === 2)).toBe(true);
    compiled.model.dispose();
  });
});

describe('gradients of the layers written for PyTorch semantics', () => {
  // For the linear ops, f(x + e_k) - f(x) is exactly the gradient's k-th entry:
  // this catches kernels whose backward pass disagrees with their forward pass
  // (as tfjs's CPU gradient for "same" average pooling does at the borders).
  const linear = OP_CASES.filter((c) =>
    /avg pool 3|bilinear|nearest|transposed conv k3 s2 p1|grouped|depthwise conv, dilated|stride 2 and dilation 2/.test(c.name),
  );
  for (const c of linear) {
    it(c.name, async () => {
      const tf = await tfjs();
      const compiled = compileIr(tf, caseIr(c));
      const random = prng(17);
      const x = tf.tensor(
        Float32Array.from({ length: c.input.reduce((a, b) => a * b, 1) }, () => random() * 2 - 1),
        [1, ...c.input],
      );
      const probe = tf.randomUniform((compiled.model.predict(x) as Tensor).shape, -1, 1, 'float32', 3);
      const f = (input: Tensor) => tf.sum(tf.mul(compiled.model.apply(input) as Tensor, probe));
      const grad = tf.grad(f)(x).dataSync();
      const base = f(x).dataSync()[0]!;
      const xs = x.dataSync();
      const step = 1e-2;
      for (let k = 0; k < xs.length; k++) {
        const bumped = Float32Array.from(xs);
        bumped[k] = bumped[k]! + step;
        const numeric = (f(tf.tensor(bumped, x.shape)).dataSync()[0]! - base) / step;
        expect(Math.abs(numeric - grad[k]!), `input ${k}`).toBeLessThan(2e-3);
      }
      compiled.model.dispose();
    });
  }
});
