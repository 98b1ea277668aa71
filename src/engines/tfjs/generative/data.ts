/**
 * Example arrays → tensors for the generative procedures: batches of a split's uint8
 * arrays as [0, 1] floats (byte / 255, the one pixel convention of issue #9), labels as
 * integers, one-hot domains tiled over the image (how a condition enters a one-input
 * IR: as extra input channels), and the seeded batch order (the classification loop's
 * epochOrder, so both engines can shuffle alike).
 */
import type { Tensor4D } from '@tensorflow/tfjs';
import { BlockqnnError, ErrorCode } from '../../../common/errors.js';
import { PIXEL_SCALE } from '../../../datasets/index.js';
import { epochOrder } from '../../batches.js';
import type { ExampleArray, ExampleSplit } from '../../generative.js';
import type { Tfjs } from '../backend.js';

export class SplitReader {
  constructor(
    private readonly tf: Tfjs,
    private readonly split: ExampleSplit,
    private readonly splitName: string,
  ) {}

  get count(): number {
    return this.split.count;
  }

  private array(name: string): ExampleArray {
    const array = this.split.arrays[name];
    if (!array) {
      throw new BlockqnnError(
        ErrorCode.INVALID_INPUT,
        `the ${this.splitName} split has no array "${name}" (it has ${Object.keys(this.split.arrays).join(', ') || 'none'})`,
        {
          hint: "build the examples with src/task/image2image/examples.ts for the task's problem",
        },
      );
    }
    return array;
  }

  /** Channels of an image array [N, S, S, C]. */
  channels(name: string): number {
    return this.array(name).shape.at(-1)!;
  }

  /** Rows `indices` of image array `name` as an [n, S, S, C] float tensor in [0, 1]. */
  images(name: string, indices: ArrayLike<number>): Tensor4D {
    const { shape, data } = this.array(name);
    if (shape.length !== 4) {
      throw new BlockqnnError(
        ErrorCode.INVALID_INPUT,
        `array "${name}" of the ${this.splitName} split has shape [${shape.join(', ')}], expected [N, S, S, C]`,
      );
    }
    const [, h, w, c] = shape as [number, number, number, number];
    const size = h * w * c;
    const out = new Float32Array(indices.length * size);
    for (let b = 0; b < indices.length; b++) {
      const src = indices[b]! * size;
      const dst = b * size;
      for (let i = 0; i < size; i++) out[dst + i] = data[src + i]! * PIXEL_SCALE;
    }
    return this.tf.tensor4d(out, [indices.length, h, w, c]);
  }

  /** Rows `indices` of label array `name` ([N] bytes). */
  labels(name: string, indices: ArrayLike<number>): Int32Array {
    const { data } = this.array(name);
    return Int32Array.from({ length: indices.length }, (_, b) => data[indices[b]!]!);
  }
}

/** One-hot labels tiled over an S×S image: [n, S, S, K], the condition channels of StarGAN's generator. */
export function tiledOneHot(tf: Tfjs, labels: Int32Array, classes: number, size: number): Tensor4D {
  return tf.tidy(() => {
    const hot = tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat();
    return tf.tile(hot.reshape([labels.length, 1, 1, classes]), [1, size, size, 1]) as Tensor4D;
  });
}

/** A vector per example tiled over an S×S image: [n, z] → [n, S, S, z] (VUNet's latent as input channels). */
export function tiledVector(tf: Tfjs, vectors: Tensor4D | import('@tensorflow/tfjs').Tensor2D, size: number): Tensor4D {
  const [n, z] = [vectors.shape[0], vectors.shape.at(-1)!];
  return tf.tile(vectors.reshape([n, 1, 1, z]), [1, size, size, 1]) as Tensor4D;
}

/** The epoch's training batches: a seeded permutation cut into `batchSize` runs (the last may be shorter). */
export function trainBatches(count: number, batchSize: number, seed: number, epoch: number): Uint32Array[] {
  const order = epochOrder(count, seed, epoch);
  const batches: Uint32Array[] = [];
  for (let start = 0; start < count; start += batchSize) batches.push(order.subarray(start, Math.min(start + batchSize, count)));
  return batches;
}

/** The eval split in order, in runs of `batchSize`. */
export function evalBatches(count: number, batchSize: number): Uint32Array[] {
  const batches: Uint32Array[] = [];
  for (let start = 0; start < count; start += batchSize)
    batches.push(Uint32Array.from({ length: Math.min(batchSize, count - start) }, (_, i) => start + i));
  return batches;
}
