/**
 * Window arithmetic of Detail-Preserving Pooling (the IR's `dpp` op), shared by
 * shape inference, the cost model and both engines so that they cannot drift.
 * Pure: no ML framework.
 *
 * Along one axis of length `size`, with kernel k, stride s and padding p:
 * - the pooling stage runs at stride `innerStride` (s, or 1 for S3DPP) and has
 *   `inner` = ⌊(size + 2p − k) / innerStride⌋ + 1 positions; output position a
 *   reads the taps a·innerStride − p + i, i = 0 … k−1 (negative or ≥ size: padding);
 * - Full-DPP's g×g guide filter for position a reads a·innerStride − p + δ + u,
 *   u = 0 … g−1, with δ = ⌊(k − g)/2⌋: centred on the pooling window when k and g
 *   have the same parity, else one step earlier — for the usual 2×2 window this is
 *   the 3×3, stride-2, padding-1 window of a strided convolution;
 * - S3DPP then keeps one of every `stride` rows (and columns): blocks
 *   [b·s, min(b·s + s, inner)), so `out` = ⌈inner / s⌉, which equals the strided
 *   pooling's ⌊(size + 2p − k) / s⌋ + 1.
 */
import type { IrNodeOf } from './ir.js';
import { DPP_FULL_GUIDE } from './ir.js';

export interface DppAxis {
  readonly size: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  /** Stride of the pooling stage: `stride`, or 1 for S3DPP. */
  readonly innerStride: number;
  /** Positions of the pooling stage. */
  readonly inner: number;
  /** Positions of the output. */
  readonly out: number;
  /** Offset of the guide window from the pooling window (Full-DPP). */
  readonly guideOffset: number;
}

const pair = (v: number | readonly [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** One axis; `inner` or `out` below 1 means the input is too small (shape inference reports it). */
export function dppAxis(size: number, kernel: number, stride: number, padding: number, s3: boolean): DppAxis {
  const innerStride = s3 ? 1 : stride;
  const inner = Math.floor((size + 2 * padding - kernel) / innerStride) + 1;
  const out = s3 ? Math.ceil(inner / stride) : inner;
  return { size, kernel, stride, padding, innerStride, inner, out, guideOffset: Math.floor((kernel - DPP_FULL_GUIDE) / 2) };
}

/** Both spatial axes of a `dpp` node on an [H, W, C] input. */
export function dppGeometry(node: IrNodeOf<'dpp'>, size: readonly [number, number]): [DppAxis, DppAxis] {
  const [k, s, p] = [pair(node.kernel), pair(node.stride ?? node.kernel), pair(node.padding)];
  const s3 = node.sampling === 's3';
  return [dppAxis(size[0], k[0], s[0], p[0], s3), dppAxis(size[1], k[1], s[1], p[1], s3)];
}

/** Input index read by pooling position `a`, tap `i` (may fall in the padding). */
export const tapIndex = (axis: DppAxis, a: number, i: number): number => a * axis.innerStride - axis.padding + i;

/** Input index read by guide position `a`, filter tap `u` (Full-DPP; may fall in the padding). */
export const guideIndex = (axis: DppAxis, a: number, u: number): number => tapIndex(axis, a, axis.guideOffset + u);

/** First row and length of each S3 sampling block along an axis. */
export function s3Blocks(axis: DppAxis): { start: number; length: number }[] {
  return Array.from({ length: axis.out }, (_, b) => ({
    start: b * axis.stride,
    length: Math.min(axis.stride, axis.inner - b * axis.stride),
  }));
}

/** Per-channel parameters of a `dpp` node: α and λ, plus the g×g guide filter of Full-DPP. */
export function dppParamsPerChannel(node: IrNodeOf<'dpp'>): number {
  return 2 + (node.variant === 'full' ? DPP_FULL_GUIDE * DPP_FULL_GUIDE : 0);
}
