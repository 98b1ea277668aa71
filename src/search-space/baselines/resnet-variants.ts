/**
 * Named ResNet and SE-ResNet configurations, as data for the generic builder in
 * resnet.ts.
 *
 * - ImageNet ResNets (He et al., CVPR 2016, Table 1) follow torchvision's "v1.5":
 *   a downsampling bottleneck strides on its 3×3 conv. ResNet-18 has 11,689,512
 *   parameters and ResNet-50 25,557,032, as torchvision's models.
 * - ImageNet SE-ResNets (Hu et al., CVPR 2018, Table 14 of the journal version)
 *   follow the authors' Caffe models, "v1": a downsampling bottleneck strides on its
 *   first 1×1 conv; r = 16 with biased dense layers, so SE-ResNet-50 has 28,088,024
 *   parameters (3.87–3.88 GMACs as published).
 * - SE-ResNeXts 32×4d (Hu et al., Table 2): ResNeXt bottlenecks (Xie et al.) of
 *   cardinality 32, width 4 per group, SE with r = 16, as the authors' released
 *   models (ported in Cadene's pretrainedmodels `se_resnext50_32x4d`): the stride
 *   sits on the grouped 3×3, so SE-ResNeXt-50 has 27,559,896 parameters and
 *   SE-ResNeXt-101 48,955,416.
 * - CIFAR ResNets (He et al. §4.2): 6n + 2 layers in three stages of 16/32/64
 *   channels, 3×3 stem, option A (zero-padding) shortcuts; ResNet-20 has 269,722
 *   parameters ("0.27M" in the paper). The SE variants put an SE block (r = 16) on
 *   each residual branch of the same networks.
 */
import type { Registry } from '../../common/registry.js';
import type { Baseline } from './baseline.js';
import { type ResNetConfig, buildResNet } from './resnet.js';

const RESNET_PAPER = 'He, Zhang, Ren, Sun, "Deep Residual Learning for Image Recognition", CVPR 2016 (arXiv:1512.03385)';
const SENET_PAPER = 'Hu, Shen, Sun, "Squeeze-and-Excitation Networks", CVPR 2018 (arXiv:1709.01507)';

const IMAGENET = { inputShape: [224, 224, 3], classes: 1000 } as const;
const CIFAR = { inputShape: [32, 32, 3], classes: 10 } as const;

/** ResNeXt 32×4d with SE r = 16 (SENet's SE-ResNeXt). */
const seResNeXt = (depths: number[]): ResNetConfig => ({ ...imagenet('bottleneck', depths, '3x3', 16), cardinality: 32, groupWidth: 4 });

function imagenet(block: ResNetConfig['block'], depths: number[], strideOn: ResNetConfig['strideOn'], seReduction?: number): ResNetConfig {
  return {
    block,
    depths,
    widths: [64, 128, 256, 512],
    stem: 'imagenet',
    stemWidth: 64,
    strideOn,
    shortcut: 'projection',
    ...(seReduction ? { seReduction } : {}),
    defaults: IMAGENET,
  };
}

/** CIFAR ResNet with 6n + 2 layers. */
const cifar = (n: number, seReduction?: number): ResNetConfig => ({
  block: 'basic',
  depths: [n, n, n],
  widths: [16, 32, 64],
  stem: 'cifar',
  stemWidth: 16,
  strideOn: '3x3',
  shortcut: 'pad',
  ...(seReduction ? { seReduction } : {}),
  defaults: CIFAR,
});

interface Variant {
  readonly config: ResNetConfig;
  readonly description: string;
  readonly citation: string;
}

export const RESNET_VARIANTS: Readonly<Record<string, Variant>> = {
  'resnet-18': { config: imagenet('basic', [2, 2, 2, 2], '3x3'), description: 'ResNet-18, ImageNet, basic blocks', citation: RESNET_PAPER },
  'resnet-34': { config: imagenet('basic', [3, 4, 6, 3], '3x3'), description: 'ResNet-34, ImageNet, basic blocks', citation: RESNET_PAPER },
  'resnet-50': {
    config: imagenet('bottleneck', [3, 4, 6, 3], '3x3'),
    description: 'ResNet-50 v1.5 (stride on the 3x3, torchvision), ImageNet',
    citation: RESNET_PAPER,
  },
  'resnet-101': {
    config: imagenet('bottleneck', [3, 4, 23, 3], '3x3'),
    description: 'ResNet-101 v1.5 (stride on the 3x3, torchvision), ImageNet',
    citation: RESNET_PAPER,
  },
  'resnet-152': {
    config: imagenet('bottleneck', [3, 8, 36, 3], '3x3'),
    description: 'ResNet-152 v1.5 (stride on the 3x3, torchvision), ImageNet',
    citation: RESNET_PAPER,
  },
  'se-resnet-50': {
    config: imagenet('bottleneck', [3, 4, 6, 3], '1x1', 16),
    description: "SE-ResNet-50 v1 (stride on the first 1x1, the authors' Caffe model), r = 16, ImageNet",
    citation: SENET_PAPER,
  },
  'se-resnet-101': {
    config: imagenet('bottleneck', [3, 4, 23, 3], '1x1', 16),
    description: 'SE-ResNet-101 v1 (stride on the first 1x1), r = 16, ImageNet',
    citation: SENET_PAPER,
  },
  'se-resnet-152': {
    config: imagenet('bottleneck', [3, 8, 36, 3], '1x1', 16),
    description: 'SE-ResNet-152 v1 (stride on the first 1x1), r = 16, ImageNet',
    citation: SENET_PAPER,
  },
  'se-resnext-50-32x4d': {
    config: seResNeXt([3, 4, 6, 3]),
    description: 'SE-ResNeXt-50 (32x4d: 32 groups of width 4 in the 3x3, stride on the 3x3), r = 16, ImageNet',
    citation: SENET_PAPER,
  },
  'se-resnext-101-32x4d': {
    config: seResNeXt([3, 4, 23, 3]),
    description: 'SE-ResNeXt-101 (32x4d, stride on the 3x3), r = 16, ImageNet',
    citation: SENET_PAPER,
  },
  'resnet-20-cifar': {
    config: cifar(3),
    description: 'ResNet-20 for CIFAR (16/32/64 channels, option A shortcuts)',
    citation: RESNET_PAPER,
  },
  'resnet-56-cifar': {
    config: cifar(9),
    description: 'ResNet-56 for CIFAR (16/32/64 channels, option A shortcuts)',
    citation: RESNET_PAPER,
  },
  'resnet-110-cifar': {
    config: cifar(18),
    description: 'ResNet-110 for CIFAR (16/32/64 channels, option A shortcuts)',
    citation: RESNET_PAPER,
  },
  'se-resnet-20-cifar': {
    config: cifar(3, 16),
    description: 'ResNet-20 for CIFAR with SE (r = 16) on every residual branch',
    citation: SENET_PAPER,
  },
  'se-resnet-56-cifar': {
    config: cifar(9, 16),
    description: 'ResNet-56 for CIFAR with SE (r = 16) on every residual branch',
    citation: SENET_PAPER,
  },
  'se-resnet-110-cifar': {
    config: cifar(18, 16),
    description: 'ResNet-110 for CIFAR with SE (r = 16) on every residual branch',
    citation: SENET_PAPER,
  },
};

/** Registers every named ResNet and SE-ResNet configuration. */
export function registerResNets(registry: Registry<Baseline>): void {
  for (const [name, { config, description, citation }] of Object.entries(RESNET_VARIANTS)) {
    registry.register(name, {
      name,
      description,
      citation,
      defaults: config.defaults,
      build: (options = {}) => buildResNet(config, options, name),
    });
  }
}
