/**
 * Naive loop implementations of PyTorch's definitions (channels-last), written
 * from the PyTorch docs and independent of the engine's code, to check that the
 * compiled layers compute what the IR means, not merely the right shapes.
 */
export interface Arr {
  shape: number[];
  data: Float32Array;
}

const at = (a: Arr, b: number, h: number, w: number, c: number): number =>
  a.data[((b * a.shape[1]! + h) * a.shape[2]! + w) * a.shape[3]! + c]!;

function zeros(shape: number[]): Arr {
  return { shape, data: new Float32Array(shape.reduce((x, y) => x * y, 1)) };
}

function put(a: Arr, b: number, h: number, w: number, c: number, v: number): void {
  a.data[((b * a.shape[1]! + h) * a.shape[2]! + w) * a.shape[3]! + c] = v;
}

/** torch.nn.functional.conv2d with weight given as [kh, kw, in/groups, out]. */
export function conv2d(
  x: Arr,
  weight: Arr,
  bias: Float32Array | null,
  o: { stride: number; pad: number | [number, number]; dilation: number; groups: number },
): Arr {
  const [ph, pw] = typeof o.pad === 'number' ? [o.pad, o.pad] : o.pad;
  const [batch, h, w, cin] = x.shape as [number, number, number, number];
  const [kh, kw, cg, cout] = weight.shape as [number, number, number, number];
  const outH = Math.floor((h + 2 * ph - o.dilation * (kh - 1) - 1) / o.stride) + 1;
  const outW = Math.floor((w + 2 * pw - o.dilation * (kw - 1) - 1) / o.stride) + 1;
  const outPerGroup = cout / o.groups;
  const y = zeros([batch, outH, outW, cout]);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < outH; i++)
      for (let j = 0; j < outW; j++)
        for (let f = 0; f < cout; f++) {
          const g = Math.floor(f / outPerGroup);
          let sum = bias ? bias[f]! : 0;
          for (let u = 0; u < kh; u++)
            for (let v = 0; v < kw; v++) {
              const r = i * o.stride - ph + u * o.dilation;
              const s = j * o.stride - pw + v * o.dilation;
              if (r < 0 || r >= h || s < 0 || s >= w) continue;
              for (let c = 0; c < cg; c++) sum += at(x, b, r, s, g * cg + c) * at(weight, u, v, c, f);
            }
          put(y, b, i, j, f, sum);
        }
  void cin;
  return y;
}

/** torch.nn.functional.conv_transpose2d with weight given as [kh, kw, out, in] (tfjs layout). */
export function convTranspose2d(
  x: Arr,
  weight: Arr,
  bias: Float32Array | null,
  o: { stride: number; pad: number; outputPadding: number },
): Arr {
  const [batch, h, w, cin] = x.shape as [number, number, number, number];
  const [kh, kw, cout] = weight.shape as [number, number, number, number];
  const outH = (h - 1) * o.stride - 2 * o.pad + kh + o.outputPadding;
  const outW = (w - 1) * o.stride - 2 * o.pad + kw + o.outputPadding;
  const y = zeros([batch, outH, outW, cout]);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < outH; i++) for (let j = 0; j < outW; j++) for (let f = 0; f < cout; f++) put(y, b, i, j, f, bias ? bias[f]! : 0);
  // Each input pixel scatters its kernel-weighted value to out[i·s - p + u].
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let u = 0; u < kh; u++)
          for (let v = 0; v < kw; v++) {
            const r = i * o.stride - o.pad + u;
            const s = j * o.stride - o.pad + v;
            if (r < 0 || r >= outH || s < 0 || s >= outW) continue;
            for (let f = 0; f < cout; f++) {
              let sum = at(y, b, r, s, f);
              for (let c = 0; c < cin; c++) sum += at(x, b, i, j, c) * at(weight, u, v, f, c);
              put(y, b, r, s, f, sum);
            }
          }
  return y;
}

/** torch.nn.MaxPool2d / AvgPool2d (ceil_mode=False). */
export function pool2d(x: Arr, o: { mode: 'max' | 'avg'; kernel: number; stride: number; pad: number; countIncludePad?: boolean }): Arr {
  const [batch, h, w, c] = x.shape as [number, number, number, number];
  const outH = Math.floor((h + 2 * o.pad - o.kernel) / o.stride) + 1;
  const outW = Math.floor((w + 2 * o.pad - o.kernel) / o.stride) + 1;
  const y = zeros([batch, outH, outW, c]);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < outH; i++)
      for (let j = 0; j < outW; j++)
        for (let ch = 0; ch < c; ch++) {
          let max = -Infinity;
          let sum = 0;
          let count = 0;
          for (let u = 0; u < o.kernel; u++)
            for (let v = 0; v < o.kernel; v++) {
              const r = i * o.stride - o.pad + u;
              const s = j * o.stride - o.pad + v;
              if (r < 0 || r >= h || s < 0 || s >= w) continue;
              const value = at(x, b, r, s, ch);
              max = Math.max(max, value);
              sum += value;
              count++;
            }
          const divisor = o.countIncludePad ? o.kernel * o.kernel : count;
          put(y, b, i, j, ch, o.mode === 'max' ? max : sum / divisor);
        }
  return y;
}

/** torch.nn.Upsample(scale_factor, mode='nearest' | 'bilinear', align_corners=False). */
export function upsample(x: Arr, scale: number, mode: 'nearest' | 'bilinear'): Arr {
  const [batch, h, w, c] = x.shape as [number, number, number, number];
  const y = zeros([batch, h * scale, w * scale, c]);
  // PyTorch's area_pixel_compute_source_index for align_corners=False.
  const source = (dst: number) => Math.max((dst + 0.5) / scale - 0.5, 0);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < h * scale; i++)
      for (let j = 0; j < w * scale; j++)
        for (let ch = 0; ch < c; ch++) {
          if (mode === 'nearest') {
            put(y, b, i, j, ch, at(x, b, Math.floor(i / scale), Math.floor(j / scale), ch));
            continue;
          }
          const [r, s] = [source(i), source(j)];
          const [r0, s0] = [Math.floor(r), Math.floor(s)];
          const [r1, s1] = [r0 < h - 1 ? r0 + 1 : r0, s0 < w - 1 ? s0 + 1 : s0];
          const [lr, ls] = [r - r0, s - s0];
          const value =
            (1 - lr) * ((1 - ls) * at(x, b, r0, s0, ch) + ls * at(x, b, r0, s1, ch)) +
            lr * ((1 - ls) * at(x, b, r1, s0, ch) + ls * at(x, b, r1, s1, ch));
          put(y, b, i, j, ch, value);
        }
  return y;
}

/** torch.nn.InstanceNorm2d(affine=True) with the given gamma and beta. */
export function instanceNorm(x: Arr, gamma: Float32Array, beta: Float32Array, epsilon: number): Arr {
  const [batch, h, w, c] = x.shape as [number, number, number, number];
  const y = zeros(x.shape);
  for (let b = 0; b < batch; b++)
    for (let ch = 0; ch < c; ch++) {
      let mean = 0;
      for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) mean += at(x, b, i, j, ch);
      mean /= h * w;
      let variance = 0;
      for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) variance += (at(x, b, i, j, ch) - mean) ** 2;
      variance /= h * w;
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++)
          put(y, b, i, j, ch, ((at(x, b, i, j, ch) - mean) / Math.sqrt(variance + epsilon)) * gamma[ch]! + beta[ch]!);
    }
  return y;
}

/** x · sigmoid(mean of x over H×W), per example and channel: a parameter-free squeeze-and-excitation. */
export function selfGate(x: Arr): Arr {
  const [batch, h, w, c] = x.shape as [number, number, number, number];
  const y = zeros(x.shape);
  for (let b = 0; b < batch; b++)
    for (let ch = 0; ch < c; ch++) {
      let mean = 0;
      for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) mean += at(x, b, i, j, ch);
      const gate = 1 / (1 + Math.exp(-mean / (h * w)));
      for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) put(y, b, i, j, ch, at(x, b, i, j, ch) * gate);
    }
  return y;
}

/** Largest absolute difference between two arrays of the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
