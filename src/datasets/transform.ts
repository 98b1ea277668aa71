/**
 * Image transforms for cheap proxies, applied after the split so a subset is never
 * resized in full. All work on byte images, N × H × W × C, channels-last.
 *
 * Resize (separable; each output pixel is a weighted sum of source pixels along
 * each axis, rounded to the nearest byte):
 * - `area`: the output pixel covers [o·s, (o+1)·s) source pixels, s = in / out; each
 *   source pixel weighs by the length it overlaps, divided by s (OpenCV's
 *   INTER_AREA; 32 → 16 averages 2 × 2 blocks exactly). The default: it keeps the
 *   information downscaling would throw away.
 * - `nearest`: source index floor((o + 0.5) · in / out).
 *
 * Channels: 1 → 3 replicates the grey value; 3 → 1 is the ITU-R BT.601 luminance
 * round(0.299 R + 0.587 G + 0.114 B).
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import type { ImageSet, ImageShape } from './types.js';
import { PIXEL_SCALE } from './types.js';
import type { ResizeMethod } from './spec.js';

/** Copies the images and labels at `indices` into a new set, in that order. */
export function gather(set: ImageSet, shape: ImageShape, indices: Uint32Array): ImageSet {
  const size = shape[0] * shape[1] * shape[2];
  const images = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  indices.forEach((from, to) => {
    images.set(set.images.subarray(from * size, (from + 1) * size), to * size);
    labels[to] = set.labels[from]!;
  });
  return { images, labels, count: indices.length };
}

/** Per output index along one axis: the first source index and the weights from there on. */
interface AxisWeights {
  readonly start: Int32Array;
  readonly weights: Float64Array[];
}

function axisWeights(inSize: number, outSize: number, method: ResizeMethod): AxisWeights {
  const start = new Int32Array(outSize);
  const weights: Float64Array[] = [];
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    if (method === 'nearest') {
      start[o] = Math.min(inSize - 1, Math.floor((o + 0.5) * scale));
      weights.push(Float64Array.of(1));
      continue;
    }
    const lo = o * scale;
    const hi = (o + 1) * scale;
    const first = Math.floor(lo);
    const last = Math.min(inSize - 1, Math.ceil(hi) - 1);
    const w = new Float64Array(last - first + 1);
    for (let i = first; i <= last; i++) w[i - first] = (Math.min(hi, i + 1) - Math.max(lo, i)) / scale;
    start[o] = first;
    weights.push(w);
  }
  return { start, weights };
}

/** Resizes every image to `height × width`; returns the same set when the size already matches. */
export function resizeImages(set: ImageSet, shape: ImageShape, height: number, width: number, method: ResizeMethod): ImageSet {
  const [h, w, c] = shape;
  if (h === height && w === width) return set;
  const rows = axisWeights(h, height, method);
  const cols = axisWeights(w, width, method);
  const inSize = h * w * c;
  const outSize = height * width * c;
  const images = new Uint8Array(set.count * outSize);
  const tmp = new Float64Array(h * width * c); // horizontal pass: h × width × c
  for (let n = 0; n < set.count; n++) {
    const src = set.images.subarray(n * inSize, (n + 1) * inSize);
    for (let y = 0; y < h; y++) {
      for (let ox = 0; ox < width; ox++) {
        const x0 = cols.start[ox]!;
        const wx = cols.weights[ox]!;
        for (let ch = 0; ch < c; ch++) {
          let sum = 0;
          for (let k = 0; k < wx.length; k++) sum += wx[k]! * src[(y * w + x0 + k) * c + ch]!;
          tmp[(y * width + ox) * c + ch] = sum;
        }
      }
    }
    const out = n * outSize;
    for (let oy = 0; oy < height; oy++) {
      const y0 = rows.start[oy]!;
      const wy = rows.weights[oy]!;
      for (let i = 0; i < width * c; i++) {
        let sum = 0;
        for (let k = 0; k < wy.length; k++) sum += wy[k]! * tmp[(y0 + k) * width * c + i]!;
        images[out + oy * width * c + i] = Math.min(255, Math.round(sum));
      }
    }
  }
  return { images, labels: set.labels, count: set.count };
}

/** Converts between 1 and 3 channels (see the header); returns the same set when nothing changes. */
export function convertChannels(set: ImageSet, shape: ImageShape, channels: number): ImageSet {
  const from = shape[2];
  if (from === channels) return set;
  const pixels = set.count * shape[0] * shape[1];
  const images = new Uint8Array(pixels * channels);
  if (from === 1 && channels === 3) {
    for (let p = 0; p < pixels; p++) images.fill(set.images[p]!, p * 3, p * 3 + 3);
  } else if (from === 3 && channels === 1) {
    const src = set.images;
    for (let p = 0; p < pixels; p++) {
      images[p] = Math.round(0.299 * src[p * 3]! + 0.587 * src[p * 3 + 1]! + 0.114 * src[p * 3 + 2]!);
    }
  } else {
    throw new BlockqnnError(ErrorCode.INTERNAL, `cannot convert ${from} channels to ${channels}: only 1 and 3 are supported`);
  }
  return { images, labels: set.labels, count: set.count };
}

const BYTE_TO_FLOAT = Float32Array.from({ length: 256 }, (_, b) => b * PIXEL_SCALE);

/**
 * Images `start .. start + count` as floats in [0, 1], for one batch at a time:
 * converting a whole CIFAR-10 set would quadruple its memory.
 */
export function imagesAsFloat32(set: ImageSet, shape: ImageShape, start = 0, count = set.count - start): Float32Array {
  const size = shape[0] * shape[1] * shape[2];
  const bytes = set.images.subarray(start * size, (start + count) * size);
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = BYTE_TO_FLOAT[bytes[i]!]!;
  return out;
}
