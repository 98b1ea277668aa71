/**
 * Pooling and upsampling with PyTorch semantics where tfjs differs:
 * - padded pools whose padding is not TF's "same" (max pads with -∞; average
 *   excludes the padding from the divisor, count_include_pad=False);
 * - bilinear upsampling with half-pixel centres (align_corners=False), where
 *   tfjs's UpSampling2D uses the legacy TF1 sampling grid.
 * Both are built from ops whose gradients are right on every backend: tfjs's CPU
 * kernels for "same" average pooling and half-pixel resize have forward passes
 * that disagree with their gradients at the borders.
 */
import type { Shape, Tensor, Tensor4D, serialization } from '@tensorflow/tfjs';
import type { Tfjs } from './backend.js';
import { type Pair, bilinearMatrix, excludePadScale, windowOutput } from './geometry.js';
import { type LayerBase, type LayerClass, configOf, firstShape, single } from './layer-util.js';

export interface TorchPool2DArgs extends LayerBase {
  mode: 'max' | 'avg';
  poolSize: Pair;
  strides: Pair;
  padding: Pair;
  /** Average pooling only: whether padding counts in the divisor. */
  countIncludePad: boolean;
}

export interface BilinearUpsample2DArgs extends LayerBase {
  scale: number;
}

export interface SpatialLayers {
  TorchPool2D: LayerClass<TorchPool2DArgs>;
  BilinearUpsample2D: LayerClass<BilinearUpsample2DArgs>;
}

export function defineSpatialLayers(tf: Tfjs): SpatialLayers {
  /** Max or average pooling with explicit symmetric padding, as torch.nn.MaxPool2d / AvgPool2d. */
  class TorchPool2D extends tf.layers.Layer {
    static className = 'BlockqnnPool2D';
    private readonly cfg: TorchPool2DArgs;

    constructor(args: TorchPool2DArgs) {
      super(args);
      this.cfg = { ...args };
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      const [b, h, w, c] = firstShape(inputShape);
      const { poolSize: k, strides: s, padding: p } = this.cfg;
      const out = (size: number | null | undefined, i: 0 | 1) =>
        size === null || size === undefined ? null : windowOutput(size, k[i], s[i], p[i]);
      return [b ?? null, out(h, 0), out(w, 1), c ?? null];
    }

    override call(inputs: Tensor | Tensor[]): Tensor {
      return tf.tidy(() => {
        const x = single(inputs) as Tensor4D;
        const { mode, poolSize: k, strides: s, padding: p, countIncludePad } = this.cfg;
        // -∞ never wins a max, and every window holds at least one real input
        // because the IR limits padding to half the kernel.
        const padded = tf.pad(
          x,
          [
            [0, 0],
            [p[0], p[0]],
            [p[1], p[1]],
            [0, 0],
          ],
          mode === 'max' ? -Infinity : 0,
        );
        if (mode === 'max') return tf.maxPool(padded, k, s, 'valid');
        const mean = tf.avgPool(padded, k, s, 'valid');
        if (countIncludePad) return mean;
        const scale = excludePadScale([x.shape[1], x.shape[2]], k, s, p);
        return tf.mul(mean, tf.tensor4d(scale, [1, mean.shape[1], mean.shape[2], 1]));
      });
    }

    override getConfig(): serialization.ConfigDict {
      return { ...super.getConfig(), ...configOf(this.cfg) };
    }
  }

  /**
   * Bilinear upsampling by an integer factor as two matrix products with fixed
   * interpolation matrices (rows, then columns): exact PyTorch align_corners=False
   * values, and gradients that are simply the transposed products.
   */
  class BilinearUpsample2D extends tf.layers.Layer {
    static className = 'BlockqnnBilinearUpsample2D';
    private readonly scale: number;

    constructor(args: BilinearUpsample2DArgs) {
      super(args);
      this.scale = args.scale;
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      const [b, h, w, c] = firstShape(inputShape);
      const up = (size: number | null | undefined) => (size === null || size === undefined ? null : size * this.scale);
      return [b ?? null, up(h), up(w), c ?? null];
    }

    override call(inputs: Tensor | Tensor[]): Tensor {
      return tf.tidy(() => {
        const x = single(inputs) as Tensor4D;
        const [batch, h, w, c] = x.shape;
        const [outH, outW] = [h * this.scale, w * this.scale];
        const rowsMatrix = tf.tensor2d(bilinearMatrix(h, this.scale), [outH, h]);
        const colsMatrix = tf.tensor2d(bilinearMatrix(w, this.scale), [outW, w]);
        // [B, H, W, C] → [B·W·C, H] · Aᵀ → [B, W, C, outH]
        let t = tf.transpose(x, [0, 2, 3, 1]);
        t = tf.reshape(tf.matMul(tf.reshape(t, [-1, h]), rowsMatrix, false, true), [batch, w, c, outH]);
        // [B, W, C, outH] → [B, outH, C, W] → [B·outH·C, W] · Aᵀ → [B, outH, C, outW]
        t = tf.transpose(t, [0, 3, 2, 1]);
        t = tf.reshape(tf.matMul(tf.reshape(t, [-1, w]), colsMatrix, false, true), [batch, outH, c, outW]);
        return tf.transpose(t, [0, 1, 3, 2]);
      });
    }

    override getConfig(): serialization.ConfigDict {
      return { ...super.getConfig(), scale: this.scale };
    }
  }

  return { TorchPool2D, BilinearUpsample2D };
}
