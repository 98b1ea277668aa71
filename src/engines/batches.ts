/**
 * Mini-batches for training: a seeded shuffle per epoch and the recipe's
 * augmentation (random crop after 4-pixel zero padding, optional horizontal
 * flip), written straight into a float batch. The torch engine's trainer
 * implements the same rule, so the two engines see the same kind of data.
 */
import { PIXEL_SCALE, type ImageSet, type ImageShape } from '../datasets/index.js';
import { mulberry32, shuffleInPlace } from '../datasets/prng.js';
import type { Recipe } from '../task/task.js';

export const CROP_PADDING = 4;

/** Order of training images in an epoch: a permutation seeded by (seed, epoch). */
export function epochOrder(count: number, seed: number, epoch: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  return shuffleInPlace(order, mulberry32((seed * 1000003 + epoch) >>> 0));
}

/**
 * Writes images `indices` of `set` into `out` (N×H×W×C floats in [0, 1]),
 * augmented per `mode` with draws from `next`.
 */
export function fillBatch(
  set: ImageSet,
  shape: ImageShape,
  indices: ArrayLike<number>,
  mode: Recipe['augmentation'],
  next: () => number,
  out: Float32Array,
): void {
  const [h, w, c] = shape;
  const size = h * w * c;
  for (let b = 0; b < indices.length; b++) {
    const src = indices[b]! * size;
    const dst = b * size;
    if (mode === 'none') {
      for (let i = 0; i < size; i++) out[dst + i] = set.images[src + i]! * PIXEL_SCALE;
      continue;
    }
    const range = 2 * CROP_PADDING + 1;
    const dy = (next() % range) - CROP_PADDING;
    const dx = (next() % range) - CROP_PADDING;
    const flip = mode === 'crop-flip' && (next() & 1) === 1;
    for (let y = 0; y < h; y++) {
      const sy = y + dy;
      for (let x = 0; x < w; x++) {
        const sx = (flip ? w - 1 - x : x) + dx;
        const o = dst + (y * w + x) * c;
        if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
          for (let k = 0; k < c; k++) out[o + k] = 0;
        } else {
          const s = src + (sy * w + sx) * c;
          for (let k = 0; k < c; k++) out[o + k] = set.images[s + k]! * PIXEL_SCALE;
        }
      }
    }
  }
}
