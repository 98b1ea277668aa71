/**
 * Named BN-Inception configurations for the builder in bn-inception.ts:
 * `bn-inception` (the baseline SENet compares against) and `se-bn-inception`
 * (SENet Table 2: SE with r = 16 on the output of every Inception module).
 */
import type { Registry } from '../../common/registry.js';
import type { Baseline } from './baseline.js';
import { BN_INCEPTION_MODULES, type BnInceptionConfig, buildBnInception } from './bn-inception.js';

const BN_INCEPTION_PAPER =
  'Ioffe, Szegedy, "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift", ICML 2015 (arXiv:1502.03167)';
const SENET_PAPER = 'Hu, Shen, Sun, "Squeeze-and-Excitation Networks", CVPR 2018 (arXiv:1709.01507)';
const IMAGENET = { inputShape: [224, 224, 3], classes: 1000 } as const;

export const BN_INCEPTION_VARIANTS: Readonly<Record<string, { config: BnInceptionConfig; description: string; citation: string }>> = {
  'bn-inception': {
    config: { modules: BN_INCEPTION_MODULES, defaults: IMAGENET },
    description: 'BN-Inception (Inception with batch normalization and 3x3 pairs), ImageNet, as the released Caffe model',
    citation: BN_INCEPTION_PAPER,
  },
  'se-bn-inception': {
    config: { modules: BN_INCEPTION_MODULES, seReduction: 16, defaults: IMAGENET },
    description: 'SE-BN-Inception: SE (r = 16) on the output of each of the ten Inception modules, ImageNet',
    citation: SENET_PAPER,
  },
};

export function registerBnInceptions(registry: Registry<Baseline>): void {
  for (const [name, { config, description, citation }] of Object.entries(BN_INCEPTION_VARIANTS)) {
    registry.register(name, {
      name,
      description,
      citation,
      defaults: config.defaults,
      build: (options = {}) => buildBnInception(config, options, name),
    });
  }
}
