/**
 * The second-order gradients registered for tfjs (src/engines/tfjs/second-order.ts):
 * each backward kernel B is linear in its upstream gradient dy (and a depthwise
 * convolution's also in its filter), so the gradient of ⟨B(dy), v⟩ must equal the
 * adjoint computed by brute force, one basis vector at a time, with tfjs's own B.
 * Inputs after a ReLU have ties (many zeros), where an argmax must pick the same
 * element as MaxPoolGrad does.
 */
import type { Tensor, Tensor4D } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Tfjs } from '../../../src/engines/tfjs/index.js';
import { registerSecondOrderGradients } from '../../../src/engines/tfjs/second-order.js';
import { prng, tfjs } from './helpers.js';

let tf: Tfjs;
beforeAll(async () => {
  tf = await tfjs();
  registerSecondOrderGradients(tf);
});

const random = (seed: number, shape: number[], relu = false) => {
  const next = prng(seed);
  const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => next() * 2 - 1);
  return tf.tensor(relu ? values.map((v) => Math.max(v, 0)) : values, shape) as unknown as Tensor4D;
};

/** Max |registered − brute force| of d⟨B(dy), v⟩/d(argument), where `backward(dy, arg)` is B and linear in `arg`. */
function adjointError(
  backward: (dy: Tensor, arg: Tensor) => Tensor,
  dy: Tensor,
  arg: 'dy' | Tensor,
  seed: number,
): { error: number; scale: number } {
  return tf.tidy(() => {
    const against = arg === 'dy' ? dy : arg;
    const apply = (t: Tensor) => (arg === 'dy' ? backward(t, dy) : backward(dy, t));
    const v = random(seed, apply(against).shape);
    const registered = tf
      .grad((t: Tensor) => tf.sum(tf.mul(apply(t), v)))(against)
      .dataSync();
    const size = against.size;
    const brute = new Float32Array(size);
    for (let k = 0; k < size; k++) {
      const basis = tf
        .oneHot(tf.tensor1d([k], 'int32'), size)
        .toFloat()
        .reshape(against.shape);
      brute[k] = tf.sum(tf.mul(apply(basis), v)).dataSync()[0]!;
    }
    let error = 0;
    let scale = 0;
    for (let k = 0; k < size; k++) {
      error = Math.max(error, Math.abs(registered[k]! - brute[k]!));
      scale = Math.max(scale, Math.abs(brute[k]!));
    }
    return { error, scale };
  });
}

/** The backward pass of `forward` at x with upstream gradient dy: tfjs's own backward kernel. */
const backwardOf = (forward: (x: Tensor4D) => Tensor, x: Tensor4D) => (dy: Tensor) =>
  tf.grad((input: Tensor) => tf.sum(tf.mul(forward(input as Tensor4D), dy)))(x);

describe('second-order gradients on tfjs', () => {
  const pools: [string, (x: Tensor4D) => Tensor, boolean][] = [
    ['max pool 2x2 stride 2', (x) => tf.maxPool(x, 2, 2, 'valid'), false],
    ['max pool 3x3 stride 1 same, ReLU input with ties', (x) => tf.maxPool(x, 3, 1, 'same'), true],
    [
      'max pool 3x3 stride 2 on a -inf padded input (the IR pool layer)',
      (x) =>
        tf.maxPool(
          tf.pad(
            x,
            [
              [0, 0],
              [1, 1],
              [1, 1],
              [0, 0],
            ],
            -Infinity,
          ),
          3,
          2,
          'valid',
        ),
      true,
    ],
    ['average pool 2x2 stride 2', (x) => tf.avgPool(x, 2, 2, 'valid'), false],
    [
      'average pool 3x3 stride 1 on a zero-padded input (the IR pool layer)',
      (x) =>
        tf.avgPool(
          tf.pad(x, [
            [0, 0],
            [1, 1],
            [1, 1],
            [0, 0],
          ]),
          3,
          1,
          'valid',
        ),
      false,
    ],
  ];
  for (const [name, forward, relu] of pools) {
    it(`${name}: the gradient through its backward pass is the adjoint`, () => {
      const x = random(1, [2, 5, 5, 2], relu);
      const dy = random(2, (forward(x) as Tensor).shape);
      const { error, scale } = adjointError((d) => backwardOf(forward, x)(d), dy, 'dy', 3);
      expect(scale).toBeGreaterThan(0.1);
      expect(error).toBeLessThan(1e-5);
    });
  }

  const depthwise: [string, number, 'same' | 'valid', number, number][] = [
    ['depthwise 3x3, multiplier 2, same', 1, 'same', 1, 2],
    ['depthwise 3x3, stride 2, valid', 2, 'valid', 1, 1],
  ];
  for (const [name, stride, pad, dilation, multiplier] of depthwise) {
    it(`${name}: adjoint in dy and in the filter`, () => {
      const x = random(4, [1, 6, 6, 2]);
      const filter = random(5, [3, 3, 2, multiplier]);
      const forwardWith = (f: Tensor) => (input: Tensor4D) => tf.depthwiseConv2d(input, f as Tensor4D, stride, pad, 'NHWC', dilation);
      const dy = random(6, forwardWith(filter)(x).shape);
      const inDy = adjointError((d) => backwardOf(forwardWith(filter), x)(d), dy, 'dy', 7);
      const inFilter = adjointError((d, f) => backwardOf(forwardWith(f), x)(d), dy, filter, 8);
      expect(Math.min(inDy.scale, inFilter.scale)).toBeGreaterThan(0.1);
      expect(inDy.error).toBeLessThan(1e-5);
      expect(inFilter.error).toBeLessThan(1e-5);
    });
  }

  for (const halfPixelCenters of [false, true]) {
    it(`nearest-neighbour upsampling x2 (halfPixelCenters ${halfPixelCenters}): adjoint in dy`, () => {
      const x = random(9, [1, 3, 3, 2]);
      const forward = (input: Tensor4D) => tf.image.resizeNearestNeighbor(input, [6, 6], false, halfPixelCenters);
      const dy = random(10, [1, 6, 6, 2]);
      const { error, scale } = adjointError((d) => backwardOf(forward, x)(d), dy, 'dy', 11);
      expect(scale).toBeGreaterThan(0.1);
      expect(error).toBeLessThan(1e-5);
    });
  }

  it('a padded average pool says its second-order gradient is unavailable (the backends disagree on its divisor)', () => {
    const x = random(13, [1, 4, 4, 1]);
    const gradOfGrad = () =>
      tf.grad((input: Tensor) => tf.sum(tf.square(tf.grad((inner: Tensor) => tf.sum(tf.avgPool(inner as Tensor4D, 3, 1, 'same')))(input))))(
        x,
      );
    expect(gradOfGrad).toThrow(/padded average pool .*pad explicitly and pool 'valid'/);
  });

  it('comparisons differentiate to zero: a leaky ReLU gradient is piecewise constant in x', () => {
    const x = random(12, [1, 4, 4, 1]);
    const second = tf.grad((input: Tensor) => tf.sum(tf.grad((inner: Tensor) => tf.sum(tf.leakyRelu(inner, 0.1)))(input)))(x);
    expect(Array.from(second.dataSync())).toEqual(new Array(16).fill(0));
  });
});
