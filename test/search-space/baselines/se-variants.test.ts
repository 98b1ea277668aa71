/**
 * SE-ResNeXt and SE-BN-Inception against the published figures.
 *
 * Sources of the figures:
 * - GFLOPs (multiply-adds, 224×224 single crop): Hu, Shen, Sun, "Squeeze-and-Excitation
 *   Networks" (arXiv:1709.01507), Table 2: BN-Inception 2.03, SE-BN-Inception 2.04,
 *   SE-ResNeXt-50 (32×4d) 4.25, SE-ResNeXt-101 (32×4d) 8.00.
 * - Parameters: the authors' released Caffe models as ported to PyTorch in Cadene's
 *   pretrainedmodels (github.com/Cadene/pretrained-models.pytorch, models/senet.py and
 *   models/bninception.py), counted with `sum(p.numel() for p in model.parameters())`:
 *   se_resnext50_32x4d 27,559,896, se_resnext101_32x4d 48,955,416, bninception 11,295,240.
 *   SENet Table 2 gives no parameter count for SE-BN-Inception; it is checked as
 *   BN-Inception plus exactly the SE parameters of its ten modules.
 */
import { describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../../src/common/errors.js';
import {
  BN_INCEPTION_MODULES,
  RESNET_VARIANTS,
  baselines,
  buildBnInception,
  buildResNet,
} from '../../../src/search-space/baselines/index.js';
import { networkCost } from '../../../src/search-space/index.js';

const cost = (name: string) => networkCost(baselines.get(name).build());
const within = (value: number, target: number, tolerance: number) => expect(Math.abs(value / target - 1)).toBeLessThan(tolerance);

describe('SE-ResNeXt 32×4d (SENet Table 2; released models)', () => {
  it('se-resnext-50-32x4d: 27,559,896 params, 4.25 GMACs', () => {
    const c = cost('se-resnext-50-32x4d');
    expect(c.params).toBe(27_559_896);
    within(c.macs, 4.25e9, 0.005);
  });

  it('se-resnext-101-32x4d: 48,955,416 params, 8.00 GMACs', () => {
    const c = cost('se-resnext-101-32x4d');
    expect(c.params).toBe(48_955_416);
    within(c.macs, 8.0e9, 0.005);
  });

  it('runs 32 groups of width 4·2^stage in the 3×3, which carries the stride', () => {
    const { ir, shapes } = baselines.get('se-resnext-50-32x4d').build();
    const node = (id: string) => ir.nodes.find((n) => n.id === id);
    expect(node('layer1.0/conv1/conv')).toMatchObject({ filters: 128, kernel: 1, stride: 1 });
    expect(node('layer1.0/conv2/conv')).toMatchObject({ filters: 128, kernel: 3, groups: 32 });
    expect(node('layer2.0/conv2/conv')).toMatchObject({ filters: 256, stride: 2, groups: 32 });
    expect(node('layer4.0/conv2/conv')).toMatchObject({ filters: 1024, groups: 32 });
    expect(shapes.get('layer4.2/add')).toEqual([7, 7, 2048]);
    expect(node('layer4.2/se/reduce')).toMatchObject({ units: 128 });
  });

  it('rejects ResNeXt settings that do not make a grouped bottleneck', () => {
    const base = RESNET_VARIANTS['se-resnext-50-32x4d']!.config;
    const attempt = (patch: object) => () => buildResNet({ ...base, ...patch }, {}, 'custom');
    expect(attempt({ block: 'basic' })).toThrow("baseline custom: cardinality = 32: grouped (ResNeXt) blocks need block: 'bottleneck'");
    expect(attempt({ groupWidth: undefined })).toThrow('groupWidth = undefined: must be a positive integer when cardinality is set');
    expect(attempt({ cardinality: undefined })).toThrow('groupWidth = 4: only applies with cardinality');
    expect(attempt({ groupWidth: 4, widths: [8, 16, 32, 64] })).toThrow('a stage of width 8 would get ⌊8·4/64⌋ = 0 channels per group');
    expect(attempt({ block: 'basic' })).toThrow(BlockqnnError);
  });
});

describe('BN-Inception and SE-BN-Inception (SENet Table 2; released model)', () => {
  it('bn-inception: 11,295,240 params, 2.03 GMACs', () => {
    const c = cost('bn-inception');
    expect(c.params).toBe(11_295_240);
    within(c.macs, 2.03e9, 0.005);
  });

  it('se-bn-inception: BN-Inception plus 2·C²/16 + C/16 + C per module, 2.04 GMACs', () => {
    const plain = buildBnInception({ modules: BN_INCEPTION_MODULES, defaults: { inputShape: [224, 224, 3], classes: 1000 } });
    const outputs = BN_INCEPTION_MODULES.map((m) => plain.shapes.get(`inception_${m.name}/concat`)!.at(-1)!);
    expect(outputs).toEqual([256, 320, 576, 576, 576, 608, 608, 1056, 1024, 1024]);
    const se = (c: number) => (2 * c * c) / 16 + c / 16 + c;
    const c = cost('se-bn-inception');
    expect(c.params - cost('bn-inception').params).toBe(outputs.reduce((sum, ch) => sum + se(ch), 0));
    within(c.macs, 2.04e9, 0.005);
  });

  it('halves the image in the stem (4×) and in modules 3c and 4e, and rescales each module output', () => {
    const { ir, shapes } = baselines.get('se-bn-inception').build();
    expect(shapes.get('stem/pool2')).toEqual([28, 28, 192]);
    expect(shapes.get('inception_3c/concat')).toEqual([14, 14, 576]);
    expect(shapes.get('inception_4e/concat')).toEqual([7, 7, 1056]);
    expect(ir.nodes.find((n) => n.id === 'inception_4a/se/scale')).toMatchObject({
      op: 'channelScale',
      inputs: ['inception_4a/concat', 'inception_4a/se/sigmoid'],
    });
    expect(ir.nodes.find((n) => n.id === 'inception_4b/1x1/conv')!.inputs).toEqual(['inception_4a/se/scale']);
  });

  it('refuses an image smaller than its total stride, naming the field and the fix', () => {
    expect(() => baselines.get('se-bn-inception').build({ inputShape: [28, 28, 1] })).toThrow(
      'baseline se-bn-inception: inputShape = [28,28,1]: 28x28 is too small: the network halves the image 5 times (total stride 32), so height and width must be at least 32',
    );
  });
});
