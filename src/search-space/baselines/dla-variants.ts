/**
 * Named Deep Layer Aggregation configurations (Yu et al., CVPR 2018, Table 1 of
 * the paper; arguments exactly as the official ucbdrive/dla `dla34()` …
 * `dla169()`), as data for the generic builder in dla.ts.
 *
 * ImageNet models: 7×7/1 base layer, strides [1, 2, 2, 2, 2, 2] (224 → 7), 1000
 * classes. Parameter counts are those of the official models without their
 * never-used projections (see dla.ts): DLA-34 15,742,104.
 *
 * `dla-34-cifar`: the paper has no CIFAR model; this is DLA-34's aggregation
 * structure and widths with a 3×3 base layer and no downsampling before level3
 * (strides [1, 1, 1, 2, 2, 2], 32 → 4), the usual CIFAR adaptation (as in the
 * widely used pytorch-cifar DLA), so the trees see 32/16/8/4-pixel maps.
 */
import type { Registry } from '../../common/registry.js';
import type { Baseline } from './baseline.js';
import { type DlaBlock, type DlaConfig, buildDla } from './dla.js';

export const DLA_PAPER = 'Yu, Wang, Shelhamer, Darrell, "Deep Layer Aggregation", CVPR 2018 (arXiv:1707.06484)';

const IMAGENET = { inputShape: [224, 224, 3], classes: 1000 } as const;
const CIFAR = { inputShape: [32, 32, 3], classes: 10 } as const;

const SMALL = [16, 32, 64, 64, 128, 256];
const LARGE = [16, 32, 128, 256, 512, 1024];

const imagenet = (levels: number[], channels: number[], block: DlaBlock, extra: Partial<DlaConfig> = {}): DlaConfig => ({
  levels,
  channels,
  block,
  residualRoot: false,
  baseKernel: 7,
  strides: [1, 2, 2, 2, 2, 2],
  defaults: IMAGENET,
  ...extra,
});

interface Variant {
  readonly config: DlaConfig;
  readonly description: string;
}

export const DLA_VARIANTS: Readonly<Record<string, Variant>> = {
  'dla-34': { config: imagenet([1, 1, 1, 2, 2, 1], [16, 32, 64, 128, 256, 512], 'basic'), description: 'DLA-34, ImageNet, basic blocks' },
  'dla-46-c': { config: imagenet([1, 1, 1, 2, 2, 1], SMALL, 'bottleneck'), description: 'DLA-46-C (compact), ImageNet, bottleneck blocks' },
  'dla-x-46-c': {
    config: imagenet([1, 1, 1, 2, 2, 1], SMALL, 'bottleneckx'),
    description: 'DLA-X-46-C (compact), ImageNet, ResNeXt bottlenecks (32 groups)',
  },
  'dla-x-60-c': {
    config: imagenet([1, 1, 1, 2, 3, 1], SMALL, 'bottleneckx'),
    description: 'DLA-X-60-C (compact), ImageNet, ResNeXt bottlenecks (32 groups)',
  },
  'dla-60': { config: imagenet([1, 1, 1, 2, 3, 1], LARGE, 'bottleneck'), description: 'DLA-60, ImageNet, bottleneck blocks' },
  'dla-x-60': {
    config: imagenet([1, 1, 1, 2, 3, 1], LARGE, 'bottleneckx'),
    description: 'DLA-X-60, ImageNet, ResNeXt bottlenecks (32 groups)',
  },
  'dla-102': {
    config: imagenet([1, 1, 1, 3, 4, 1], LARGE, 'bottleneck', { residualRoot: true }),
    description: 'DLA-102, ImageNet, bottleneck blocks, residual roots',
  },
  'dla-x-102': {
    config: imagenet([1, 1, 1, 3, 4, 1], LARGE, 'bottleneckx', { residualRoot: true }),
    description: 'DLA-X-102, ImageNet, ResNeXt bottlenecks (32 groups), residual roots',
  },
  'dla-x-102-64': {
    config: imagenet([1, 1, 1, 3, 4, 1], LARGE, 'bottleneckx', { residualRoot: true, cardinality: 64 }),
    description: 'DLA-X-102 64, ImageNet, ResNeXt bottlenecks (64 groups), residual roots',
  },
  'dla-169': {
    config: imagenet([1, 1, 2, 3, 5, 1], LARGE, 'bottleneck', { residualRoot: true }),
    description: 'DLA-169, ImageNet, bottleneck blocks, residual roots',
  },
  'dla-34-cifar': {
    config: {
      levels: [1, 1, 1, 2, 2, 1],
      channels: [16, 32, 64, 128, 256, 512],
      block: 'basic',
      residualRoot: false,
      baseKernel: 3,
      strides: [1, 1, 1, 2, 2, 2],
      defaults: CIFAR,
    },
    description: 'DLA-34 for CIFAR: 3x3 base layer, no downsampling before level3 (32 -> 4)',
  },
};

/** Registers every named DLA configuration. */
export function registerDlas(registry: Registry<Baseline>): void {
  for (const [name, { config, description }] of Object.entries(DLA_VARIANTS)) {
    registry.register(name, {
      name,
      description,
      citation: DLA_PAPER,
      defaults: config.defaults,
      build: (options = {}) => buildDla(config, options, name),
    });
  }
}
