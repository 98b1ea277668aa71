/**
 * A direct, loop-by-loop reading of the DPP equations (Saeedan et al., CVPR 2018,
 * eqs. 3-7) on channels-last arrays, written without the engines' tap
 * bookkeeping, so both engines are checked against the paper's formulas and
 * not only against each other. Windows follow src/search-space/dpp-geometry.ts.
 */
import { DPP_FULL_GUIDE, type IrNodeOf, dppGeometry, guideIndex, s3Blocks, tapIndex } from '../../../src/search-space/index.js';

export interface DppWeights {
  logAlpha: Float32Array;
  logLambda: Float32Array;
  /** Full-DPP: [g, g, C] (tfjs's depthwise layout without the multiplier axis). */
  guide?: Float32Array;
}

/** Evaluation-mode output [N, outH, outW, C] of a dpp node on x [N, H, W, C]. */
export function dppReference(
  node: IrNodeOf<'dpp'>,
  x: Float32Array,
  shape: [number, number, number, number],
  weights: DppWeights,
): { data: Float64Array; shape: number[] } {
  const [n, h, w, c] = shape;
  const [rows, cols] = dppGeometry(node, [h, w]);
  const at = (b: number, r: number, q: number, ch: number): number =>
    r < 0 || r >= h || q < 0 || q >= w ? NaN : x[((b * h + r) * w + q) * c + ch]!;
  const pooled = new Float64Array(n * rows.inner * cols.inner * c);
  const g = DPP_FULL_GUIDE;
  for (let b = 0; b < n; b++)
    for (let a = 0; a < rows.inner; a++)
      for (let e = 0; e < cols.inner; e++)
        for (let ch = 0; ch < c; ch++) {
          // Ω_p: the real inputs of the window.
          const window: number[] = [];
          for (let i = 0; i < rows.kernel; i++)
            for (let j = 0; j < cols.kernel; j++) {
              const v = at(b, tapIndex(rows, a, i), tapIndex(cols, e, j), ch);
              if (!Number.isNaN(v)) window.push(v);
            }
          let guide = 0;
          if (node.variant === 'lite') guide = window.reduce((s, v) => s + v, 0) / window.length;
          else {
            for (let u = 0; u < g; u++)
              for (let v = 0; v < g; v++) {
                const value = at(b, guideIndex(rows, a, u), guideIndex(cols, e, v), ch);
                if (!Number.isNaN(value)) guide += weights.guide![(u * g + v) * c + ch]! * value;
              }
          }
          const alpha = Math.exp(weights.logAlpha[ch]!);
          const lambda = Math.exp(weights.logLambda[ch]!);
          let num = 0;
          let den = 0;
          for (const v of window) {
            const diff = node.reward === 'asym' ? Math.max(0, v - guide) : v - guide;
            const weight = alpha + Math.sqrt(diff * diff + node.epsilon * node.epsilon) ** lambda;
            num += weight * v;
            den += weight;
          }
          pooled[((b * rows.inner + a) * cols.inner + e) * c + ch] = num / den;
        }
  if (node.sampling !== 's3') return { data: pooled, shape: [n, rows.inner, cols.inner, c] };
  // Evaluation: the expectation of the uniform draw, i.e. the mean of each block.
  const out = new Float64Array(n * rows.out * cols.out * c);
  const rb = s3Blocks(rows);
  const cb = s3Blocks(cols);
  for (let b = 0; b < n; b++)
    for (let a = 0; a < rows.out; a++)
      for (let e = 0; e < cols.out; e++)
        for (let ch = 0; ch < c; ch++) {
          let sum = 0;
          for (let r = rb[a]!.start; r < rb[a]!.start + rb[a]!.length; r++)
            for (let q = cb[e]!.start; q < cb[e]!.start + cb[e]!.length; q++)
              sum += pooled[((b * rows.inner + r) * cols.inner + q) * c + ch]!;
          out[((b * rows.out + a) * cols.out + e) * c + ch] = sum / (rb[a]!.length * cb[e]!.length);
        }
  return { data: out, shape: [n, rows.out, cols.out, c] };
}
