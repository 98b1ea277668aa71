/**
 * Small layers tfjs lacks: instance normalisation, a zeros tensor shaped like its
 * input, a pass-through that keeps branches alive which do not reach the output, and
 * a slice of the channels.
 */
import type { LayerVariable, Shape, Tensor, serialization } from '@tensorflow/tfjs';
import type { Tfjs } from './backend.js';
import { type LayerBase, type LayerClass, firstShape, single } from './layer-util.js';

export interface InstanceNormArgs extends LayerBase {
  epsilon: number;
  affine: boolean;
}

export interface ChannelSliceArgs extends LayerBase {
  start: number;
  size: number;
}

export interface MiscLayers {
  InstanceNorm: LayerClass<InstanceNormArgs>;
  ZerosLike: LayerClass<LayerBase>;
  ChannelSlice: LayerClass<ChannelSliceArgs>;
  KeepAlive: LayerClass<LayerBase>;
}

export function defineMiscLayers(tf: Tfjs): MiscLayers {
  /**
   * torch.nn.InstanceNorm2d (without running statistics): each example's channel is
   * normalised over H×W with the biased variance, then scaled and shifted by a
   * per-channel gamma and beta when affine.
   */
  class InstanceNorm extends tf.layers.Layer {
    static className = 'BlockqnnInstanceNorm';
    private readonly epsilon: number;
    private readonly affine: boolean;
    private gamma: LayerVariable | undefined;
    private beta: LayerVariable | undefined;

    constructor(args: InstanceNormArgs) {
      super(args);
      this.epsilon = args.epsilon;
      this.affine = args.affine;
    }

    override build(inputShape: Shape | Shape[]): void {
      const shape = firstShape(inputShape);
      const channels = shape[shape.length - 1]!;
      if (this.affine) {
        this.gamma = this.addWeight('gamma', [channels], 'float32', tf.initializers.ones(), undefined, true);
        this.beta = this.addWeight('beta', [channels], 'float32', tf.initializers.zeros(), undefined, true);
      }
      this.built = true;
    }

    override call(inputs: Tensor | Tensor[]): Tensor {
      return tf.tidy(() => {
        const x = single(inputs);
        const { mean, variance } = tf.moments(x, [1, 2], true);
        const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
        return this.gamma && this.beta ? tf.add(tf.mul(normed, this.gamma.read()), this.beta.read()) : normed;
      });
    }

    override getConfig(): serialization.ConfigDict {
      return { ...super.getConfig(), epsilon: this.epsilon, affine: this.affine };
    }
  }

  /** A tensor of zeros shaped like the input (NAS-Bench-201's node fed only by "none" edges). */
  class ZerosLike extends tf.layers.Layer {
    static className = 'BlockqnnZerosLike';

    override call(inputs: Tensor | Tensor[]): Tensor {
      return tf.tidy(() => tf.zerosLike(single(inputs)));
    }

    override getConfig(): serialization.ConfigDict {
      return super.getConfig();
    }
  }

  /**
   * Returns its first input; the others are there only so that their layers, and
   * parameters, belong to the model. The IR counts the parameters of nodes that do
   * not reach the output (NAS-Bench-201 keeps a conv whose node then only feeds
   * "none" edges), and a tfjs functional model would otherwise drop those layers.
   */
  class KeepAlive extends tf.layers.Layer {
    static className = 'BlockqnnKeepAlive';

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      return firstShape(inputShape);
    }

    override call(inputs: Tensor | Tensor[]): Tensor {
      // A clone, not the input itself: the model executor disposes intermediate
      // tensors by reference, and the output must outlive its input.
      return tf.tidy(() => tf.clone(single(inputs)));
    }

    override getConfig(): serialization.ConfigDict {
      return super.getConfig();
    }
  }

  /** Channels [start, start + size) of the last axis (the IR's channelSlice; torch: x[:, start:start + size]). */
  class ChannelSlice extends tf.layers.Layer {
    static className = 'BlockqnnChannelSlice';
    private readonly start: number;
    private readonly size: number;

    constructor(args: ChannelSliceArgs) {
      super(args);
      this.start = args.start;
      this.size = args.size;
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      return [...firstShape(inputShape).slice(0, -1), this.size];
    }

    override call(inputs: Tensor | Tensor[]): Tensor {
      return tf.tidy(() => {
        const x = single(inputs);
        const begin = x.shape.map((_, i) => (i === x.rank - 1 ? this.start : 0));
        const size = x.shape.map((_, i) => (i === x.rank - 1 ? this.size : -1));
        return tf.slice(x, begin, size);
      });
    }

    override getConfig(): serialization.ConfigDict {
      return { ...super.getConfig(), start: this.start, size: this.size };
    }
  }

  return { InstanceNorm, ZerosLike, KeepAlive, ChannelSlice };
}
