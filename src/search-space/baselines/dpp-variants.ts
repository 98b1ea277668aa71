/**
 * Named pooled CIFAR ResNets (dpp-resnet.ts): depth 20 with every downsampling
 * kind, depth 110 (the paper's CIFAR-10 network) with max, average and
 * Lite-S3DPP-Sym pooling. Names read
 * `resnet-{depth}-{maxpool | avgpool | dpp-{lite|full}[-s3]-{sym|asym}}`; the paper
 * found Lite-S3DPP-Sym best on CIFAR-10.
 */
import type { Registry } from '../../common/registry.js';
import type { Baseline } from './baseline.js';
import { type Downsampling, type PooledResNetConfig, buildPooledResNet } from './dpp-resnet.js';

const DPP_PAPER = 'Saeedan, Weber, Goesele, Roth, "Detail-Preserving Pooling in Deep Networks", CVPR 2018 (arXiv:1804.04076)';
const CIFAR = { inputShape: [32, 32, 3], classes: 10 } as const;

/** Downsampling layers by name: `maxpool`, `avgpool`, `dpp-{lite|full}[-s3]-{sym|asym}` (also BlockQNN's network option `downsample`). */
export const DOWNSAMPLINGS: Readonly<Record<string, { readonly d: Downsampling; readonly text: string }>> = {
  maxpool: { d: { kind: 'maxPool' }, text: '2x2 max pooling' },
  avgpool: { d: { kind: 'avgPool' }, text: '2x2 average pooling' },
  ...Object.fromEntries(
    (['lite', 'full'] as const).flatMap((variant) =>
      (['none', 's3'] as const).flatMap((sampling) =>
        (['sym', 'asym'] as const).map((reward) => [
          `dpp-${variant}${sampling === 's3' ? '-s3' : ''}-${reward}`,
          {
            d: { kind: 'dpp', variant, reward, sampling } as const,
            text: `2x2 ${variant === 'lite' ? 'Lite' : 'Full'}-${sampling === 's3' ? 'S3' : ''}DPP with the ${reward === 'sym' ? 'symmetric' : 'asymmetric'} reward`,
          },
        ]),
      ),
    ),
  ),
};

export const DOWNSAMPLING_NAMES = Object.keys(DOWNSAMPLINGS) as [string, ...string[]];

/** Every downsampling at depth 20; at depth 110 (the paper's CIFAR-10 network) max, average and the paper's best, Lite-S3DPP-Sym. */
const ROWS: readonly [number, readonly string[]][] = [
  [20, Object.keys(DOWNSAMPLINGS)],
  [110, ['maxpool', 'avgpool', 'dpp-lite-s3-sym']],
];

export const DPP_RESNET_VARIANTS: Readonly<Record<string, { readonly config: PooledResNetConfig; readonly description: string }>> =
  Object.fromEntries(
    ROWS.flatMap(([depth, suffixes]) =>
      suffixes
        .map((suffix) => [suffix, DOWNSAMPLINGS[suffix]!] as const)
        .map(([suffix, { d, text }]) => [
          `resnet-${depth}-${suffix}`,
          {
            config: { n: (depth - 2) / 6, widths: [16, 32, 64], downsampling: d, defaults: CIFAR },
            description: `ResNet-${depth} for CIFAR downsampling with ${text} before stride-1 convolutions (option A shortcuts)`,
          },
        ]),
    ),
  );

/** Registers every pooled ResNet. */
export function registerDppResNets(registry: Registry<Baseline>): void {
  for (const [name, { config, description }] of Object.entries(DPP_RESNET_VARIANTS)) {
    registry.register(name, {
      name,
      description,
      citation: DPP_PAPER,
      defaults: config.defaults,
      build: (options = {}) => buildPooledResNet(config, options, name),
    });
  }
}
