import { describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../../src/common/errors.js';
import { RESNET_VARIANTS, baselines, buildResNet, networkCost } from '../../../src/search-space/index.js';
import type { CheckedIr, ResNetConfig } from '../../../src/search-space/index.js';

const cost = (name: string) => networkCost(baselines.get(name).build());
const within = (value: number, target: number, tolerance: number) => expect(Math.abs(value / target - 1)).toBeLessThan(tolerance);

describe('ImageNet ResNets against published counts (224×224×3, 1000 classes)', () => {
  // Parameters: torchvision's models (exact). MACs: torchvision's "GFLOPS" column (conv + linear multiply-adds).
  const published: [string, number, number][] = [
    ['resnet-18', 11_689_512, 1.82e9],
    ['resnet-34', 21_797_672, 3.66e9],
    ['resnet-50', 25_557_032, 4.09e9],
    ['resnet-101', 44_549_160, 7.8e9],
    ['resnet-152', 60_192_808, 11.51e9],
  ];
  for (const [name, params, macs] of published) {
    it(`${name}: ${params.toLocaleString('en-US')} params, ${macs / 1e9} GMACs`, () => {
      const c = cost(name);
      expect(c.params).toBe(params);
      within(c.macs, macs, 0.01);
    });
  }

  it('resnet-50 is v1.5: the stride sits on the 3×3 of a downsampling bottleneck', () => {
    const { ir } = baselines.get('resnet-50').build();
    expect(ir.nodes.find((n) => n.id === 'layer2.0/conv1/conv')).toMatchObject({ kernel: 1, stride: 1 });
    expect(ir.nodes.find((n) => n.id === 'layer2.0/conv2/conv')).toMatchObject({ kernel: 3, stride: 2 });
    expect(ir.nodes.find((n) => n.id === 'layer2.0/downsample/conv')).toMatchObject({ kernel: 1, stride: 2, filters: 512 });
  });
});

describe('SE-ResNets (Hu et al., v1, r = 16)', () => {
  it('se-resnet-50: 28,088,024 params and 3.88 GMACs', () => {
    const c = cost('se-resnet-50');
    expect(c.params).toBe(28_088_024);
    within(c.macs, 3.88e9, 0.01);
  });

  it("se-resnet-101 and -152 match the authors' released models", () => {
    // Parameter counts of the released Caffe models (as ported in Cadene's pretrainedmodels); GFLOPs from SENet Table 2.
    expect(cost('se-resnet-101').params).toBe(49_326_872);
    within(cost('se-resnet-101').macs, 7.6e9, 0.01);
    expect(cost('se-resnet-152').params).toBe(66_821_848);
    within(cost('se-resnet-152').macs, 11.32e9, 0.01);
  });

  it('is v1 (stride on the first 1×1) and puts SE on the branch, before the sum', () => {
    const { ir } = baselines.get('se-resnet-50').build();
    expect(ir.nodes.find((n) => n.id === 'layer3.0/conv1/conv')).toMatchObject({ kernel: 1, stride: 2 });
    expect(ir.nodes.find((n) => n.id === 'layer3.0/conv2/conv')).toMatchObject({ kernel: 3, stride: 1 });
    const node = (id: string) => ir.nodes.find((n) => n.id === `layer1.0/${id}`)!;
    // branch BN → squeeze → dense C/16 → ReLU → dense C → sigmoid → scale the branch → add the shortcut → ReLU
    expect(node('se/squeeze')).toMatchObject({ op: 'globalAvgPool', inputs: ['layer1.0/conv3/bn'] });
    expect(node('se/relu').inputs).toEqual(['layer1.0/se/reduce']);
    expect(node('se/expand')).toMatchObject({ op: 'dense', units: 256, inputs: ['layer1.0/se/relu'] });
    expect(node('se/sigmoid').inputs).toEqual(['layer1.0/se/expand']);
    expect(node('se/scale')).toMatchObject({ op: 'channelScale', inputs: ['layer1.0/conv3/bn', 'layer1.0/se/sigmoid'] });
    expect(node('relu_3')).toMatchObject({ op: 'relu', inputs: ['layer1.0/add'] });
    expect(ir.nodes.find((n) => n.id === 'layer1.0/se/reduce')).toMatchObject({ units: 16 });
    expect(ir.nodes.find((n) => n.id === 'layer1.0/add')!.inputs).toEqual(['layer1.0/downsample/bn', 'layer1.0/se/scale']);
  });
});

describe('CIFAR ResNets (He et al. §4.2, option A shortcuts)', () => {
  it("resnet-20/56/110-cifar have the paper's 0.27M / 0.85M / 1.7M parameters", () => {
    expect(cost('resnet-20-cifar').params).toBe(269_722);
    within(cost('resnet-56-cifar').params, 0.85e6, 0.01);
    within(cost('resnet-110-cifar').params, 1.7e6, 0.02);
  });

  it('have 6n + 2 weighted layers, three stages of 16/32/64 channels, and parameter-free shortcuts', () => {
    const checked = baselines.get('resnet-20-cifar').build();
    const weighted = checked.ir.nodes.filter((n) => n.op === 'conv2d' || n.op === 'dense');
    expect(weighted).toHaveLength(20);
    expect(checked.shapes.get('stem/relu')).toEqual([32, 32, 16]);
    expect(checked.shapes.get('layer2.0/add')).toEqual([16, 16, 32]);
    expect(checked.shapes.get('layer3.2/relu_2')).toEqual([8, 8, 64]);
    expect(checked.ir.nodes.find((n) => n.id === 'layer2.0/shortcut/subsample')).toMatchObject({ op: 'maxPool', kernel: 1, stride: 2 });
    expect(checked.ir.nodes.find((n) => n.id === 'layer2.0/shortcut/concat')!.inputs).toEqual([
      'layer2.0/shortcut/subsample',
      'layer2.0/shortcut/pad',
    ]);
  });

  it('se-resnet-20-cifar adds exactly the SE parameters: 2·C²/16 + C/16 + C per block', () => {
    const se = (c: number) => (2 * c * c) / 16 + c / 16 + c;
    expect(cost('se-resnet-20-cifar').params - cost('resnet-20-cifar').params).toBe(3 * (se(16) + se(32) + se(64)));
  });

  it('train on other inputs: 28×28×1 (Fashion-MNIST) gives 7×7 in the last stage', () => {
    const checked = baselines.get('se-resnet-20-cifar').build({ inputShape: [28, 28, 1], classes: 10 });
    expect(checked.shapes.get('layer3.2/add')).toEqual([7, 7, 64]);
    expect(checked.shapes.get(checked.ir.output)).toEqual([10]);
  });
});

describe('configuration errors come before anything is built', () => {
  const base = RESNET_VARIANTS['resnet-20-cifar']!.config;
  const fails =
    (config: Partial<ResNetConfig>, options = {}) =>
    () =>
      buildResNet({ ...base, ...config }, options, 'custom');

  it('rejects channels not divisible by the SE ratio', () => {
    expect(fails({ seReduction: 32 })).toThrow(
      'baseline custom: seReduction = 32: the SE block reduces 16 channels by r, and 16 is not divisible by 32',
    );
    expect(fails({ seReduction: 0 })).toThrow('seReduction = 0: must be a positive integer');
  });

  it('rejects images too small for the downsamplings', () => {
    expect(() => baselines.get('resnet-50').build({ inputShape: [31, 224, 3] })).toThrow(
      'baseline resnet-50: inputShape = [31,224,3]: 31x224 is too small: the network halves the image 5 times (total stride 32), so height and width must be at least 32',
    );
    expect(() => baselines.get('resnet-20-cifar').build({ inputShape: [3, 3, 1] })).toThrow('must be at least 4');
    expect(
      baselines
        .get('resnet-50')
        .build({ inputShape: [32, 32, 3] })
        .shapes.get('layer4.2/add'),
    ).toEqual([1, 1, 2048]);
  });

  it('rejects bad shapes, classes and stage lists with INVALID_CONFIG', () => {
    const attempts: [() => unknown, string][] = [
      [fails({}, { classes: 0 }), 'classes = 0: must be a positive integer'],
      [fails({}, { inputShape: [32, 32] }), 'inputShape = [32,32]: must be [H, W, C]'],
      [fails({ depths: [] }), 'depths = []'],
      [fails({ widths: [16, 32] }), 'widths = [16,32]: must list one positive integer per stage (3 stages)'],
      [fails({ widths: [16, 24, 64] }), "a 'pad' shortcut cannot turn 16 channels into 24"],
      [fails({ stemWidth: -1 }), 'stemWidth = -1'],
    ];
    for (const [attempt, message] of attempts) {
      expect(attempt).toThrow(BlockqnnError);
      expect(attempt).toThrow(message);
      try {
        attempt();
      } catch (error) {
        expect((error as BlockqnnError).code).toBe('INVALID_CONFIG');
      }
    }
  });

  it('accepts a projection shortcut where padding cannot reach the width', () => {
    const checked: CheckedIr = buildResNet({ ...base, widths: [16, 24, 40], shortcut: 'projection' }, {}, 'custom');
    expect(checked.shapes.get('layer3.0/downsample/bn')).toEqual([8, 8, 40]);
  });
});
