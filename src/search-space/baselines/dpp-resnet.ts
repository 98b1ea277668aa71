/**
 * CIFAR ResNets whose downsampling is a pooling layer, so that Detail-Preserving
 * Pooling (Saeedan, Weber, Goesele, Roth, CVPR 2018, §5.1: DPP in place of the
 * strided convolutions of ResNet-110 on CIFAR-10) stands beside max and average
 * pooling in otherwise identical networks.
 *
 * The network is He et al.'s CIFAR ResNet (6n + 2 layers, 16/32/64 channels, 3×3
 * stem, option A shortcuts, see resnet.ts) with one change: a block that halves
 * the image first pools its input with a 2×2 window, stride 2 (max, average or a
 * DPP variant), and both branches start from the pooled tensor — the residual
 * branch with stride-1 convolutions, the shortcut by appending zero channels. The
 * convolutions keep their weights, so the max- and average-pooled networks have
 * exactly ResNet's parameters, and DPP adds its own (2 per channel for Lite, 11
 * for Full, at 16 and 32 channels).
 */
import { IrBuilder } from '../builder.js';
import type { CheckedIr } from '../graph.js';
import { INPUT_ID } from '../ir.js';
import { type Baseline, type BaselineOptions, badConfig, resolveOptions } from './baseline.js';

export type Downsampling =
  | { readonly kind: 'maxPool' | 'avgPool' }
  | { readonly kind: 'dpp'; readonly variant: 'lite' | 'full'; readonly reward: 'sym' | 'asym'; readonly sampling: 'none' | 's3' };

export interface PooledResNetConfig {
  /** Blocks per stage (the paper's n: depth 6n + 2). */
  readonly n: number;
  readonly widths: readonly number[];
  readonly downsampling: Downsampling;
  readonly defaults: Baseline['defaults'];
}

const WINDOW = { kernel: 2, stride: 2 } as const;

/** The downsampling layer alone: a 2×2, stride-2 window of the configured kind. */
export function appendDownsampling(b: IrBuilder, x: string, d: Downsampling, suffix = 'pool'): string {
  switch (d.kind) {
    case 'maxPool':
      return b.maxPool(x, WINDOW, suffix);
    case 'avgPool':
      return b.avgPool(x, WINDOW, suffix);
    case 'dpp':
      return b.dpp(x, { ...WINDOW, variant: d.variant, reward: d.reward, sampling: d.sampling }, suffix);
  }
}

function convBn(b: IrBuilder, x: string, filters: number, name: string): string {
  return b.scoped(name, () => b.batchNorm(b.conv(x, { filters, kernel: 3, padding: 1 })));
}

function block(b: IrBuilder, x: string, c: PooledResNetConfig, width: number, downsample: boolean): string {
  const input = downsample ? appendDownsampling(b, x, c.downsampling) : x;
  const y = convBn(b, b.relu(convBn(b, input, width, 'conv1')), width, 'conv2');
  const channels = b.channelsOf(input);
  const shortcut =
    channels === width
      ? input
      : b.scoped('shortcut', () => b.concat([input, ...Array.from({ length: width / channels - 1 }, () => b.zeros(input, 'pad'))]));
  return b.relu(b.add([shortcut, y]));
}

export function checkPooledResNetConfig(name: string, c: PooledResNetConfig): void {
  if (!Number.isInteger(c.n) || c.n < 1) badConfig(name, 'n', c.n, 'must be a positive integer (depth 6n + 2)');
  if (c.widths.length === 0 || !c.widths.every((w) => Number.isInteger(w) && w > 0))
    badConfig(name, 'widths', c.widths, 'must be a non-empty list of positive integers');
  c.widths.forEach((w, i) => {
    const previous = i === 0 ? c.widths[0]! : c.widths[i - 1]!;
    if (w < previous || w % previous !== 0)
      badConfig(
        name,
        'widths',
        c.widths,
        `an option A shortcut cannot turn ${previous} channels into ${w}: widths must grow by whole multiples`,
      );
  });
}

/** Builds the pooled ResNet; `name` labels errors and the IR. */
export function buildPooledResNet(c: PooledResNetConfig, options: BaselineOptions = {}, name = 'resnet-pooled'): CheckedIr {
  checkPooledResNetConfig(name, c);
  const { inputShape, classes } = resolveOptions(name, c.defaults, options, 2 ** (c.widths.length - 1));
  const b = new IrBuilder(name, inputShape);
  let x = b.scoped('stem', () => b.relu(convBn(b, INPUT_ID, c.widths[0]!, 'conv')));
  c.widths.forEach((width, stage) => {
    for (let i = 0; i < c.n; i++) x = b.scoped(`layer${stage + 1}.${i}`, () => block(b, x, c, width, stage > 0 && i === 0));
  });
  x = b.scoped('head', () => b.dense(b.globalAvgPool(x), { units: classes }));
  return b.build(x);
}
