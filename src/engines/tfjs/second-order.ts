/**
 * Gradients of gradients on tfjs, for penalties that differentiate a gradient
 * (WINN's gradient penalty, src/engines/tfjs/introspective.ts).
 *
 * tfjs registers no gradient for several kernels that only appear inside
 * backward passes. Each one missing here is linear in its upstream gradient
 * `dy` (or piecewise constant), so its gradient is its adjoint:
 * - MaxPoolGrad: a gather at each window's argmax (maxPoolWithArgmax);
 * - AvgPoolGrad: an average pool with the same windows (unpadded: see below);
 * - DepthwiseConv2dNativeBackpropInput: the forward depthwise convolution for
 *   `dy`, and for the filter the forward convolution's own filter gradient;
 * - ResizeNearestNeighborGrad: the forward nearest-neighbour resize;
 * - comparisons (Equal, Greater, …, in ReLU-family and max-reduction backward
 *   passes): zero, being piecewise constant.
 * Registration is global to the tfjs instance and skipped for any kernel tfjs
 * already covers; test/engines/tfjs/second-order.test.ts checks each adjoint.
 */
import type { NamedTensorMap, Tensor, Tensor4D } from '@tensorflow/tfjs';
import type { Tfjs } from './backend.js';

type Pair = [number, number] | number;
type PoolAttrs = { filterSize: Pair; strides: Pair; pad: 'valid' | 'same' | number };
type DepthwiseAttrs = { strides: Pair; dilations: Pair; pad: 'valid' | 'same' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
type ResizeAttrs = { alignCorners: boolean; halfPixelCenters: boolean };
type GradFunc = (dy: Tensor | Tensor[], saved: Tensor[], attrs: unknown) => Record<string, () => Tensor>;

const COMPARISONS = ['Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual'] as const;

export function registerSecondOrderGradients(tf: Tfjs): void {
  const register = (kernelName: string, inputsToSave: string[], gradFunc: GradFunc) => {
    if (!tf.getGradient(kernelName)) tf.registerGradient({ kernelName, inputsToSave, gradFunc } as Parameters<Tfjs['registerGradient']>[0]);
  };

  register('MaxPoolGrad', ['input'], (ddx, saved, attrs) => {
    const [input] = saved as [Tensor4D];
    const { filterSize, strides, pad } = attrs as PoolAttrs;
    return {
      dy: () => {
        // includeBatchInIndex: flat indexes into the whole input, so one gather serves the batch.
        const { indexes } = tf.maxPoolWithArgmax(input, filterSize, strides, pad, true) as NamedTensorMap;
        return tf.reshape(tf.gather(tf.reshape(ddx as Tensor, [-1]), tf.reshape(indexes!, [-1])), indexes!.shape);
      },
      input: () => tf.zerosLike(input),
      output: () => tf.zerosLike(input),
    };
  });

  register('AvgPoolGrad', ['input'], (ddx, saved, attrs) => {
    const [input] = saved as [Tensor4D];
    const { filterSize, strides, pad } = attrs as PoolAttrs;
    // Padded, the backends disagree on the divisor of AvgPoolGrad (tfjs's CPU kernel counts the padding, TF's does not),
    // so its adjoint is not one thing; the IR's average pools pad explicitly and pool 'valid'.
    if (pad !== 'valid' && pad !== 0) {
      throw new Error(
        `second-order gradients of a padded average pool (pad ${JSON.stringify(pad)}) are not available: pad explicitly and pool 'valid'`,
      );
    }
    return { dy: () => tf.avgPool(ddx as Tensor4D, filterSize, strides, pad), input: () => tf.zerosLike(input) };
  });

  register('DepthwiseConv2dNativeBackpropInput', ['dy', 'filter'], (ddx, saved, attrs) => {
    const [dy, filter] = saved as [Tensor4D, Tensor4D];
    const { strides, dilations, pad, dimRoundingMode } = attrs as DepthwiseAttrs;
    const forward = (x: Tensor4D, f: Tensor4D) => tf.depthwiseConv2d(x, f, strides, pad, 'NHWC', dilations, dimRoundingMode);
    return {
      dy: () => forward(ddx as Tensor4D, filter),
      // ⟨dy, conv(ddx, f)⟩ is what the backward pass computed; its filter gradient is the forward op's filter gradient.
      filter: () =>
        tf
          .engine()
          .runKernel(
            'DepthwiseConv2dNativeBackpropFilter',
            { x: ddx as Tensor4D, dy },
            { strides, pad, dilations, filterShape: filter.shape, ...(dimRoundingMode ? { dimRoundingMode } : {}) },
          ),
    };
  });

  register('ResizeNearestNeighborGrad', ['images', 'dy'], (ddx, saved, attrs) => {
    const [images, dy] = saved as [Tensor4D, Tensor4D];
    const { alignCorners, halfPixelCenters } = attrs as ResizeAttrs;
    return {
      dy: () => tf.image.resizeNearestNeighbor(ddx as Tensor4D, [dy.shape[1], dy.shape[2]], alignCorners, halfPixelCenters),
      images: () => tf.zerosLike(images),
    };
  });

  for (const kernelName of COMPARISONS) {
    register(kernelName, ['a', 'b'], (_dy, saved) => {
      const [a, b] = saved as [Tensor, Tensor];
      return { a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) };
    });
  }
}
