/**
 * Convolution layers tfjs lacks, written with tfjs ops that have gradients on
 * every backend (tfjs has none for dilated convolutions). They use only "valid"
 * padding: the native backend (tfjs-node) rejects numeric paddings for transposed
 * convolutions, so explicit padding is a ZeroPadding2D layer before, or cropping after.
 */
import type { LayerVariable, Shape, Tensor, Tensor4D, serialization } from '@tensorflow/tfjs';
import type { Tfjs } from './backend.js';
import type { Pair } from './geometry.js';
import { type LayerBase, type LayerClass, configOf, firstShape, single } from './layer-util.js';

export interface TorchConv2DArgs extends LayerBase {
  filters: number;
  kernelSize: Pair;
  strides: Pair;
  dilationRate: Pair;
  groups: number;
  useBias: boolean;
  /** Seed of the kernel's Glorot-uniform initialiser; absent: unseeded. */
  seed?: number | undefined;
}

export interface TorchConv2DTransposeArgs extends LayerBase {
  filters: number;
  kernelSize: Pair;
  strides: Pair;
  /** PyTorch `padding`: cropped from both ends of the full transposed convolution. */
  padding: Pair;
  /** PyTorch `output_padding`: extra rows/columns at the far end. */
  outputPadding: Pair;
  useBias: boolean;
  /** Seed of the kernel's Glorot-uniform initialiser; absent: unseeded. */
  seed?: number | undefined;
}

export interface ConvLayers {
  TorchConv2D: LayerClass<TorchConv2DArgs>;
  TorchConv2DTranspose: LayerClass<TorchConv2DTransposeArgs>;
}

const seeded = (seed: number | undefined) => (seed === undefined ? {} : { seed });

export function defineConvLayers(tf: Tfjs): ConvLayers {
  /**
   * torch.nn.Conv2d on an already padded input ("valid"), for what tfjs's Conv2D and
   * DepthwiseConv2D layers cannot do:
   * - 1 < groups < channels: channels split into `groups` contiguous slices, each
   *   convolved with its slice of the filters;
   * - dilation > 1: tfjs has no gradient for dilated convolutions, so the input is
   *   rearranged with spaceToBatchND into dilation² phase images, each convolved
   *   undilated, and reassembled with batchToSpaceND (how TF builds atrous
   *   convolution); a stride on top keeps every stride-th output.
   * Kernel [kh, kw, in/groups, filters], PyTorch's weight transposed, so the
   * parameter count is the IR's.
   */
  class TorchConv2D extends tf.layers.Layer {
    static className = 'BlockqnnConv2D';
    private readonly cfg: TorchConv2DArgs;
    private kernel: LayerVariable | undefined;
    private bias: LayerVariable | undefined;

    constructor(args: TorchConv2DArgs) {
      super(args);
      this.cfg = { ...args };
    }

    override build(inputShape: Shape | Shape[]): void {
      const channels = firstShape(inputShape)[3]!;
      const {
        kernelSize: [kh, kw],
        groups,
        filters,
      } = this.cfg;
      this.kernel = this.addWeight(
        'kernel',
        [kh, kw, channels / groups, filters],
        'float32',
        tf.initializers.glorotUniform(seeded(this.cfg.seed)),
        undefined,
        true,
      );
      if (this.cfg.useBias) this.bias = this.addWeight('bias', [filters], 'float32', tf.initializers.zeros(), undefined, true);
      this.built = true;
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      const [b, h, w] = firstShape(inputShape);
      const { kernelSize: k, strides: s, dilationRate: d } = this.cfg;
      const out = (size: number | null | undefined, i: 0 | 1) =>
        size === null || size === undefined ? null : Math.floor((size - d[i] * (k[i] - 1) - 1) / s[i]) + 1;
      return [b ?? null, out(h, 0), out(w, 1), this.cfg.filters];
    }

    /** Undilated "valid" convolution with groups. */
    private convolve(x: Tensor4D, strides: Pair): Tensor4D {
      const {
        groups,
        filters,
        kernelSize: [kh, kw],
      } = this.cfg;
      const kernel = this.kernel!.read() as Tensor4D;
      const channels = x.shape[3];
      if (groups === 1) return tf.conv2d(x, kernel, strides, 'valid');
      if (groups === channels) {
        // PyTorch's output channel c·m + j comes from input channel c: tfjs's
        // depthwise layout once the kernel is viewed as [kh, kw, C, m].
        return tf.depthwiseConv2d(x, tf.reshape(kernel, [kh, kw, channels, filters / channels]) as Tensor4D, strides, 'valid');
      }
      const xs = tf.split(x, groups, 3) as Tensor4D[];
      const ks = tf.split(kernel, groups, 3) as Tensor4D[];
      return tf.concat(
        xs.map((xi, i) => tf.conv2d(xi, ks[i]!, strides, 'valid')),
        3,
      );
    }

    override call(inputs: Tensor | Tensor[]): Tensor {
      return tf.tidy(() => {
        const x = single(inputs) as Tensor4D;
        const { strides: s, dilationRate: d } = this.cfg;
        let y: Tensor4D;
        if (d[0] === 1 && d[1] === 1) {
          y = this.convolve(x, s);
        } else {
          // Output i of a valid dilated conv is output i / d of phase (i mod d), an
          // undilated conv over every d-th input. Pad up to a multiple of d; the
          // same amount cropped afterwards leaves exactly the valid outputs.
          const pad: [[number, number], [number, number]] = [
            [0, (d[0] - (x.shape[1] % d[0])) % d[0]],
            [0, (d[1] - (x.shape[2] % d[1])) % d[1]],
          ];
          y = tf.batchToSpaceND(this.convolve(tf.spaceToBatchND(x, d, pad), [1, 1]), d, pad);
          if (s[0] > 1 || s[1] > 1) {
            const every = (size: number, stride: number) => tf.range(0, size, stride, 'int32');
            y = tf.gather(tf.gather(y, every(y.shape[1], s[0]), 1), every(y.shape[2], s[1]), 2);
          }
        }
        return this.bias ? tf.add(y, this.bias.read()) : y;
      });
    }

    override getConfig(): serialization.ConfigDict {
      return { ...super.getConfig(), ...configOf(this.cfg) };
    }
  }

  /**
   * Transposed convolution with PyTorch's output size (in-1)·s - 2p + k + outputPadding.
   * Computes the full "valid" transposed convolution (extended by outputPadding - p
   * zero rows when the output reaches past it) and crops p from the start.
   */
  class TorchConv2DTranspose extends tf.layers.Layer {
    static className = 'BlockqnnConv2DTranspose';
    private readonly cfg: TorchConv2DTransposeArgs;
    private kernel: LayerVariable | undefined;
    private bias: LayerVariable | undefined;

    constructor(args: TorchConv2DTransposeArgs) {
      super(args);
      this.cfg = { ...args };
    }

    override build(inputShape: Shape | Shape[]): void {
      const channels = firstShape(inputShape)[3]!;
      const {
        kernelSize: [kh, kw],
        filters,
      } = this.cfg;
      // tfjs's transposed-convolution filter layout: [kh, kw, out, in].
      this.kernel = this.addWeight(
        'kernel',
        [kh, kw, filters, channels],
        'float32',
        tf.initializers.glorotUniform(seeded(this.cfg.seed)),
        undefined,
        true,
      );
      if (this.cfg.useBias) this.bias = this.addWeight('bias', [filters], 'float32', tf.initializers.zeros(), undefined, true);
      this.built = true;
    }

    private outSize(size: number, i: 0 | 1): number {
      const { kernelSize: k, strides: s, padding: p, outputPadding: op } = this.cfg;
      return (size - 1) * s[i] - 2 * p[i] + k[i] + op[i];
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      const [b, h, w] = firstShape(inputShape);
      const out = (size: number | null | undefined, i: 0 | 1) => (size === null || size === undefined ? null : this.outSize(size, i));
      return [b ?? null, out(h, 0), out(w, 1), this.cfg.filters];
    }

    override call(inputs: Tensor | Tensor[]): Tensor {
      return tf.tidy(() => {
        const x = single(inputs) as Tensor4D;
        const [batch, h, w] = x.shape;
        const { kernelSize: k, strides: s, padding: p, outputPadding: op, filters } = this.cfg;
        // Extra rows stay below the stride, so a forward "valid" conv of the full
        // shape still has exactly x's size, as tfjs requires.
        const full: Pair = [(h - 1) * s[0] + k[0] + Math.max(0, op[0] - p[0]), (w - 1) * s[1] + k[1] + Math.max(0, op[1] - p[1])];
        const y = tf.conv2dTranspose(x, this.kernel!.read() as Tensor4D, [batch, full[0], full[1], filters], s, 'valid');
        const cropped = tf.slice(y, [0, p[0], p[1], 0], [batch, this.outSize(h, 0), this.outSize(w, 1), filters]);
        return this.bias ? tf.add(cropped, this.bias.read()) : cropped;
      });
    }

    override getConfig(): serialization.ConfigDict {
      return { ...super.getConfig(), ...configOf(this.cfg) };
    }
  }

  return { TorchConv2D, TorchConv2DTranspose };
}
