/**
 * Pixel operations the example generators are made of, on one image at a time as
 * Float32 in [0, 1], H × W × C channels-last. Pure and allocation-light: example
 * generation runs in every worker once per task.
 */

/** Luminance threshold of the object masks: a pixel belongs to the object when its luminance exceeds it. */
export const OBJECT_THRESHOLD = 0.2;

/** Bytes → floats in [0, 1] (byte / 255). */
export function toFloat(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i]! / 255;
  return out;
}

/** Floats → bytes, clamped to [0, 1] and rounded to the nearest byte, written into `out` at `at`. */
export function writeBytes(image: Float32Array, out: Uint8Array, at: number): void {
  for (let i = 0; i < image.length; i++) out[at + i] = Math.round(Math.min(1, Math.max(0, image[i]!)) * 255);
}

/** ITU-R BT.601 luminance (the dataset module's 3 → 1 conversion); a grey image is its own luminance. */
export function luminance(image: Float32Array, channels: number): Float32Array {
  if (channels === 1) return image;
  const pixels = image.length / channels;
  const out = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) out[p] = 0.299 * image[p * 3]! + 0.587 * image[p * 3 + 1]! + 0.114 * image[p * 3 + 2]!;
  return out;
}

/** Object mask (1 / 0 per pixel): luminance > OBJECT_THRESHOLD. */
export function objectMask(image: Float32Array, channels: number): Uint8Array {
  const lum = luminance(image, channels);
  const mask = new Uint8Array(lum.length);
  for (let p = 0; p < lum.length; p++) mask[p] = lum[p]! > OBJECT_THRESHOLD ? 1 : 0;
  return mask;
}

/**
 * Grey-scale morphology per channel, pixels beyond the border ignored (the border does not erode):
 * - `erode`: min over the pixel, its right and its lower neighbour (a 3-pixel L). A 3 × 3
 *   element takes 2 pixels off a stroke's width, which erases most of a 28 × 28 digit's strokes
 *   (2–4 pixels wide); the L takes 1, so strokes get thinner but stay.
 * - `dilate`: max over the 3 × 3 cross (the pixel and its 4 neighbours): bolder strokes.
 */
export function morphology(image: Float32Array, size: number, channels: number, op: 'erode' | 'dilate'): Float32Array {
  const out = new Float32Array(image.length);
  const row = size * channels;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < channels; c++) {
        const at = (y * size + x) * channels + c;
        let v = image[at]!;
        if (op === 'erode') {
          if (x < size - 1) v = Math.min(v, image[at + channels]!);
          if (y < size - 1) v = Math.min(v, image[at + row]!);
        } else {
          if (x > 0) v = Math.max(v, image[at - channels]!);
          if (x < size - 1) v = Math.max(v, image[at + channels]!);
          if (y > 0) v = Math.max(v, image[at - row]!);
          if (y < size - 1) v = Math.max(v, image[at + row]!);
        }
        out[at] = v;
      }
    }
  }
  return out;
}

/** Axis-aligned rectangle, rows [y0, y1) × columns [x0, x1). */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Bounding box of a mask's set pixels, or undefined when it is empty. */
export function boundingBox(mask: Uint8Array, size: number): Rect | undefined {
  let x0 = size;
  let y0 = size;
  let x1 = 0;
  let y1 = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!mask[y * size + x]) continue;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + 1);
      y1 = Math.max(y1, y + 1);
    }
  }
  return x1 > 0 ? { x0, y0, x1, y1 } : undefined;
}

/** Per-channel mean of the pixels where `mask` is `want` (0 when there are none). */
export function maskedMean(image: Float32Array, mask: Uint8Array, channels: number, want: 0 | 1): Float32Array {
  const sum = new Float32Array(channels);
  let count = 0;
  for (let p = 0; p < mask.length; p++) {
    if (mask[p] !== want) continue;
    count++;
    for (let c = 0; c < channels; c++) sum[c]! += image[p * channels + c]!;
  }
  if (count > 0) for (let c = 0; c < channels; c++) sum[c]! /= count;
  return sum;
}

/**
 * Style patterns of style-transfer, 1 where the style marks pixel (x, y), with a fixed phase
 * so a style is recognisable from any image that wears it:
 * 0 horizontal stripes (rows y mod 4 < 2), 1 vertical stripes (columns x mod 4 < 2),
 * 2 dots (x mod 4 = 1 and y mod 4 = 1), 3 checker of 2 × 2 squares.
 */
export function stylePattern(style: number, x: number, y: number): boolean {
  switch (style) {
    case 0:
      return y % 4 < 2;
    case 1:
      return x % 4 < 2;
    case 2:
      return x % 4 === 1 && y % 4 === 1;
    default:
      return ((x >> 1) + (y >> 1)) % 2 === 0;
  }
}

/** How strongly a style marks its pixels: v ↦ (1 − a)·v + a, invertible by (v − a) / (1 − a). */
export const STYLE_STRENGTH = 0.5;

/** `plain` wearing `style`: each marked pixel moves halfway to white (every channel). */
export function applyStyle(plain: Float32Array, size: number, channels: number, style: number): Float32Array {
  const out = new Float32Array(plain);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!stylePattern(style, x, y)) continue;
      for (let c = 0; c < channels; c++) {
        const at = (y * size + x) * channels + c;
        out[at] = (1 - STYLE_STRENGTH) * out[at]! + STYLE_STRENGTH;
      }
    }
  }
  return out;
}
