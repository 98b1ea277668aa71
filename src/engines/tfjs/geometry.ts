/**
 * Pure arithmetic that maps the IR's PyTorch-style windows onto tfjs: when an
 * explicit symmetric padding equals TensorFlow's "same", the averaging weights of
 * a pool that excludes its padding, and the interpolation matrix of bilinear
 * upsampling. No tfjs here, so every rule is testable on its own.
 */

export type Pair = [number, number];

export const pairOf = (v: number | readonly [number, number]): Pair => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** PyTorch's output length: floor((in + 2p - d(k-1) - 1) / s) + 1. */
export function windowOutput(size: number, kernel: number, stride: number, pad: number, dilation = 1): number {
  return Math.floor((size + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;
}

/**
 * Whether TensorFlow's "same" padding gives exactly the windows of a symmetric
 * padding `pad` on one axis. TF pads ceil(in/s) outputs with floor(total/2)
 * before and the rest after; the windows coincide when the output lengths match
 * and both start at -pad (any padding read beyond that is zeros in both).
 */
export function sameMatches(size: number, kernel: number, stride: number, pad: number, dilation = 1): boolean {
  const effective = dilation * (kernel - 1) + 1;
  const out = Math.ceil(size / stride);
  if (windowOutput(size, kernel, stride, pad, dilation) !== out) return false;
  const total = Math.max((out - 1) * stride + effective - size, 0);
  return Math.floor(total / 2) === pad;
}

/** Number of real (non-padding) inputs under each window along one axis. */
export function windowCounts(size: number, kernel: number, stride: number, pad: number): number[] {
  const out = windowOutput(size, kernel, stride, pad);
  return Array.from({ length: out }, (_, i) => {
    const start = i * stride - pad;
    return Math.min(start + kernel, size) - Math.max(start, 0);
  });
}

/**
 * Per-position factor that turns an average over the whole (zero-padded) window
 * into PyTorch's count_include_pad=False average over real inputs only:
 * (kh·kw) / (real inputs under the window), laid out [outH, outW].
 */
export function excludePadScale(size: Pair, kernel: Pair, stride: Pair, pad: Pair): Float32Array {
  const rows = windowCounts(size[0], kernel[0], stride[0], pad[0]);
  const cols = windowCounts(size[1], kernel[1], stride[1], pad[1]);
  const scale = new Float32Array(rows.length * cols.length);
  const area = kernel[0] * kernel[1];
  rows.forEach((r, i) => cols.forEach((c, j) => (scale[i * cols.length + j] = area / (r * c))));
  return scale;
}

/**
 * Bilinear interpolation matrix [size·scale, size] with half-pixel centres and
 * edge clamping: PyTorch's `nn.Upsample(mode='bilinear', align_corners=False)`
 * and TF2's `tf.image.resize`. Output o reads source (o + 0.5)/scale - 0.5.
 */
export function bilinearMatrix(size: number, scale: number): Float32Array {
  const out = size * scale;
  const m = new Float32Array(out * size);
  for (let o = 0; o < out; o++) {
    const src = Math.max((o + 0.5) / scale - 0.5, 0);
    const i0 = Math.min(Math.floor(src), size - 1);
    const i1 = Math.min(i0 + 1, size - 1);
    const t = src - i0;
    // i0 === i1 at the clamped edge: both weights land on the same input.
    m[o * size + i0] = (m[o * size + i0] ?? 0) + 1 - t;
    m[o * size + i1] = (m[o * size + i1] ?? 0) + t;
  }
  return m;
}
