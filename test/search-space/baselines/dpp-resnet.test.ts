/** Pooled CIFAR ResNets: DPP in place of the strided convolutions, beside max and average pooling in the same network. */
import { describe, expect, it } from 'vitest';
import { inspect } from '../../../src/cli/commands/inspect.js';
import { BlockqnnError } from '../../../src/common/errors.js';
import { type IrNodeOf, baselines, buildPooledResNet, networkCost } from '../../../src/search-space/index.js';

/** ResNet-20 for CIFAR as He et al. count it ("0.27M"; resnet.test.ts pins 269,722). */
const RESNET_20_PARAMS = 269_722;

describe('pooled ResNets for CIFAR (DPP baselines)', () => {
  it("max and average pooling keep ResNet-20's parameters; DPP adds 2 (Lite) or 11 (Full) per channel at 16 and 32 channels", () => {
    const params = (name: string) => networkCost(baselines.get(name).build()).params;
    expect(params('resnet-20-cifar')).toBe(RESNET_20_PARAMS);
    expect(params('resnet-20-maxpool')).toBe(RESNET_20_PARAMS);
    expect(params('resnet-20-avgpool')).toBe(RESNET_20_PARAMS);
    expect(params('resnet-20-dpp-lite-sym')).toBe(RESNET_20_PARAMS + 2 * (16 + 32));
    expect(params('resnet-20-dpp-lite-s3-sym')).toBe(RESNET_20_PARAMS + 2 * (16 + 32));
    expect(params('resnet-20-dpp-full-asym')).toBe(RESNET_20_PARAMS + 11 * (16 + 32));
  });

  it('puts one 2×2, stride-2 DPP of the named variant where the image halves, and nothing else differs from the max-pooled network', () => {
    const nodes = baselines.get('resnet-110-dpp-lite-s3-sym').build().ir.nodes;
    const dpp = nodes.filter((n): n is IrNodeOf<'dpp'> => n.op === 'dpp');
    expect(dpp.map((n) => n.id)).toEqual(['layer2.0/pool', 'layer3.0/pool']);
    expect(
      dpp.map(({ kernel, stride, padding, variant, reward, sampling }) => ({ kernel, stride, padding, variant, reward, sampling })),
    ).toEqual(Array(2).fill({ kernel: 2, stride: 2, padding: 0, variant: 'lite', reward: 'sym', sampling: 's3' }));
    const max = baselines.get('resnet-110-maxpool').build().ir.nodes;
    expect(max.map((n) => (n.op === 'maxPool' ? 'pool' : n.op))).toEqual(nodes.map((n) => (n.op === 'dpp' ? 'pool' : n.op)));
  });

  it('registers depth 20 with every downsampling and 110 with max, average and Lite-S3-Sym, reachable from `blockqnn inspect --baseline`', () => {
    expect(baselines.list().filter((n) => /^resnet-20-(maxpool|avgpool|dpp-)/.test(n))).toHaveLength(10);
    expect(baselines.list().filter((n) => /^resnet-110-(maxpool|avgpool|dpp-)/.test(n))).toEqual([
      'resnet-110-avgpool',
      'resnet-110-dpp-lite-s3-sym',
      'resnet-110-maxpool',
    ]);
    const report = inspect(undefined, { space: 'nsc', baseline: 'resnet-20-dpp-lite-s3-sym' });
    expect(report).toMatchObject({
      space: 'baseline',
      baseline: 'resnet-20-dpp-lite-s3-sym',
      outputShape: [10],
      params: RESNET_20_PARAMS + 96,
    });
  });

  it('rejects an input too small for its two halvings and widths an option A shortcut cannot reach', () => {
    expect(() => baselines.get('resnet-20-dpp-lite-sym').build({ inputShape: [3, 3, 1] })).toThrow(/too small.*halves the image 2 times/);
    const bad = {
      n: 1,
      widths: [16, 24],
      downsampling: { kind: 'maxPool' } as const,
      defaults: { inputShape: [32, 32, 3] as const, classes: 10 },
    };
    expect(() => buildPooledResNet(bad)).toThrow(BlockqnnError);
    expect(() => buildPooledResNet(bad)).toThrow(/cannot turn 16 channels into 24/);
  });
});
