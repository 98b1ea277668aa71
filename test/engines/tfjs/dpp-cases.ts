/** DPP configurations the engine tests share: every variant, reward, sampling, stride and padding path. */
import { type CheckedIr, type IrNodeOf, INPUT_ID, IrBuilder } from '../../../src/search-space/index.js';
import type { DppWeights } from './dpp-reference.js';

export type DppOptions = Parameters<IrBuilder['dpp']>[1];

export const DPP_CASES: readonly { name: string; options: DppOptions }[] = [
  { name: 'lite sym 2x2/2', options: { kernel: 2 } },
  { name: 'lite sym 3x3/2 pad 1 (overlapping windows, padded taps)', options: { kernel: 3, stride: 2, padding: 1 } },
  { name: 'lite asym 3x3/1 pad 1 (shape-keeping)', options: { kernel: 3, stride: 1, padding: 1, reward: 'asym' } },
  { name: 'full sym 2x2/2 (3x3 guide one step before the window)', options: { kernel: 2, variant: 'full' } },
  { name: 'full asym 3x3/2 pad 1', options: { kernel: 3, stride: 2, padding: 1, variant: 'full', reward: 'asym' } },
  { name: 'lite sym S3 2x2/2 (odd input: a short last block)', options: { kernel: 2, sampling: 's3' } },
  { name: 'full sym S3 3x3/2 pad 1', options: { kernel: 3, stride: 2, padding: 1, variant: 'full', sampling: 's3' } },
];

/** A one-node network: dpp on a [7, 6, 3] input (odd height, so windows and blocks do not tile it evenly). */
export function dppNetwork(
  options: DppOptions,
  input: [number, number, number] = [7, 6, 3],
): { checked: CheckedIr; node: IrNodeOf<'dpp'> } {
  const b = new IrBuilder('dpp', input);
  const checked = b.build(b.dpp(INPUT_ID, options));
  return { checked, node: checked.ir.nodes[0] as IrNodeOf<'dpp'> };
}

/** Distinct, non-trivial per-channel parameters (α, λ away from 1; an asymmetric guide filter). */
export function dppWeights(channels: number, seed = 0): Required<DppWeights> {
  return {
    logAlpha: Float32Array.from({ length: channels }, (_, i) => -0.7 + 0.45 * i + 0.1 * seed),
    logLambda: Float32Array.from({ length: channels }, (_, i) => 0.3 - 0.35 * i - 0.05 * seed),
    guide: Float32Array.from({ length: 9 * channels }, (_, i) => 0.25 * Math.sin(1.3 * i + seed) + 0.1),
  };
}

/** Deterministic inputs in [-1, 1] with fine detail. */
export const dppInput = (length: number, seed = 0): Float32Array => Float32Array.from({ length }, (_, i) => Math.cos(1.7 * i + 0.3 * seed));
