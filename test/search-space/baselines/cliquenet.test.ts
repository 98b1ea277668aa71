import { describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../../src/common/errors.js';
import { CLIQUENET_VARIANTS, baselines, buildCliqueNet, checkIr, networkCost } from '../../../src/search-space/index.js';
import type { CliqueNetConfig, NetworkIr } from '../../../src/search-space/index.js';

const cost = (name: string) => networkCost(baselines.get(name).build());
/** The paper prints params in M and FLOPs (= 2 × MACs) in G, both to two decimals. */
const asPrinted = (name: string) => {
  const c = cost(name);
  return { params: (c.params / 1e6).toFixed(2), gflops: ((2 * c.macs) / 1e9).toFixed(2) };
};

describe('CIFAR CliqueNets against the paper (32×32×3, 10 classes)', () => {
  it('k = 36, T = 12: exactly 935,994 params ("0.94M") and 455,149,226 MACs ("0.91G" FLOPs)', () => {
    // Derivation from the authors' code. first conv 3·3·3·64 = 1,728. Block 1 (X_0: 64 channels, L = 4):
    // W_0j 4·9·64·36 = 82,944; W_ij 12·9·36·36 = 139,968; BN stage I 2·(4·64 + 6·36) = 944, stage II
    // 2·4·3·36 = 864 → 224,720. Blocks 2 and 3 (X_0: 144 channels): 186,624 + 139,968 + 1,584 + 864 =
    // 329,040 each. Transitions: BN 288 + 1×1 conv 144² = 21,024 each. Head BNs 2·(208 + 288 + 288) =
    // 1,568; dense 784·10 + 10 = 7,850.
    expect(1_728 + 224_720 + 2 * 21_024 + 2 * 329_040 + 1_568 + 7_850).toBe(935_994);
    // MACs: weights × positions. Block 1 at 32²: (472 + 432) input channels into 3×3·36 convs; blocks 2 and 3
    // at 16² and 8²: (792 + 432); transitions 144² at 32² and 16²; first conv at 32²; dense 7,850.
    const perPosition = (channelsIn: number) => channelsIn * 9 * 36;
    const macs = 1_728 * 1024 + perPosition(472 + 432) * 1024 + 144 * 144 * (1024 + 256) + perPosition(792 + 432) * (256 + 64) + 7_850;
    const c = cost('cliquenet-k36-t12');
    expect(c.params).toBe(935_994);
    expect(c.macs).toBe(macs);
    expect(macs).toBe(455_149_226);
    expect(asPrinted('cliquenet-k36-t12')).toEqual({ params: '0.94', gflops: '0.91' });
  });

  it('k = 36, T = 12 with A and C: exactly 1,079,338 params ("1.08M") and "0.98G" FLOPs', () => {
    // A adds two SE blocks 144 → 72 → 144 with biases: 2·20,952. C adds BN + 1×1 conv C → C/2 on the three
    // block features (208, 288, 288): 22,048 + 2·42,048, and halves the head: BNs −784, dense −3,920.
    expect(935_994 + 2 * 20_952 + 22_048 + 2 * 42_048 - 784 - 3_920).toBe(1_079_338);
    expect(cost('cliquenet-k36-t12-ac').params).toBe(1_079_338);
    expect(asPrinted('cliquenet-k36-t12-ac')).toEqual({ params: '1.08', gflops: '0.98' });
  });

  // The paper's Tables 3 and 4 (the authors' README repeats them): every printed digit agrees.
  const published: [string, string, string | undefined][] = [
    ['cliquenet-k64-t15', '4.49', '4.21'],
    ['cliquenet-k80-t15', '6.94', '6.45'],
    ['cliquenet-k80-t18', '10.14', '9.45'],
    ['cliquenet-k12-t36', '1.05', undefined],
    ['cliquenet-k24-t18', '0.99', undefined],
  ];
  for (const [name, params, gflops] of published) {
    it(`${name}: ${params}M params${gflops ? `, ${gflops}G FLOPs` : ''}`, () => {
      const printed = asPrinted(name);
      expect(printed.params).toBe(params);
      if (gflops) expect(printed.gflops).toBe(gflops);
    });
  }
});

describe('clique block structure and weight sharing', () => {
  const checked = baselines.get('cliquenet-k36-t12').build();
  const byId = new Map(checked.ir.nodes.map((n) => [n.id, n]));
  const convs = checked.ir.nodes.filter((n) => n.op === 'conv2d' && n.id.startsWith('block1/stage'));

  it("holds L(L − 1) + L clique weights per block, as the authors' param_dict asserts, and reuses six of them", () => {
    expect(convs.filter((n) => n.shareWeightsWith === undefined)).toHaveLength(4 * 3 + 4);
    expect(convs.filter((n) => n.shareWeightsWith !== undefined)).toHaveLength(6);
  });

  it('stage II updates each layer from the newest values of all other layers, sharing W_ij with stage I', () => {
    // Layer 3 in stage II: X_1 and X_2 already updated in stage II, X_4 still from stage I, no X_0.
    const terms = byId.get('block1/stage2/layer3/add')!.inputs;
    expect(terms).toEqual(['block1/stage2/layer3/W1_3/conv', 'block1/stage2/layer3/W2_3/conv', 'block1/stage2/layer3/W4_3/conv']);
    expect(byId.get('block1/stage2/layer3/W1_3/bn')!.inputs).toEqual(['block1/stage2/layer1/dropout']);
    expect(byId.get('block1/stage2/layer3/W4_3/bn')!.inputs).toEqual(['block1/stage1/layer4/dropout']);
    expect(byId.get('block1/stage2/layer3/W1_3/conv')!.shareWeightsWith).toBe('block1/stage1/layer3/W1_3/conv');
    // W_43 (from a later layer) is first used in stage II, which owns it.
    expect(byId.get('block1/stage2/layer3/W4_3/conv')!.shareWeightsWith).toBeUndefined();
    // Stage I is a dense initialisation from the block input and every earlier layer.
    expect(byId.get('block1/stage1/layer3/add')!.inputs).toEqual([
      'block1/stage1/layer3/W0_3/conv',
      'block1/stage1/layer3/W1_3/conv',
      'block1/stage1/layer3/W2_3/conv',
    ]);
    expect(byId.get('block1/stage1/layer1/W0_1/bn')!.inputs).toEqual(['first_transit']);
  });

  it('counts shared parameters once: unsharing adds exactly the 3 · 6 stage-II reuses of a 3×3·36·36 weight, MACs unchanged', () => {
    const unshared: NetworkIr = { ...checked.ir, nodes: checked.ir.nodes.map(({ shareWeightsWith: _s, ...n }) => n) as NetworkIr['nodes'] };
    const shared = networkCost(checked);
    const separate = networkCost(checkIr(unshared));
    expect(separate.params - shared.params).toBe(3 * 6 * 9 * 36 * 36);
    expect(separate.macs).toBe(shared.macs);
  });

  it('transits the stage II features and feeds {X_0, stage II} of every block to the multi-scale head', () => {
    expect(checked.shapes.get('block1/stage2_features')).toEqual([32, 32, 144]);
    expect(byId.get('block1/block_feature')!.inputs).toEqual(['first_transit', 'block1/stage2_features']);
    expect(checked.shapes.get('block2/transition/avgpool')).toEqual([8, 8, 144]);
    expect(byId.get('head/concat')!.inputs).toEqual(['block1/pool/gap', 'block2/pool/gap', 'block3/pool/gap']);
    expect(checked.shapes.get('head/concat')).toEqual([208 + 288 + 288]);
  });

  it('option A puts a C → C/2 → C attention on the transition, option C halves each block feature', () => {
    const ac = baselines.get('cliquenet-k36-t12-ac').build();
    const node = (id: string) => ac.ir.nodes.find((n) => n.id === id)!;
    expect(node('block1/transition/se/reduce')).toMatchObject({ units: 72, bias: true });
    expect(node('block1/transition/avgpool').inputs).toEqual(['block1/transition/se/scale']);
    expect(ac.shapes.get('block1/compress/conv')).toEqual([32, 32, 104]);
    expect(ac.shapes.get('head/concat')).toEqual([104 + 144 + 144]);
  });

  it("option B makes the clique convs 1×1 and shares each layer's 3×3 between the stages", () => {
    const b = baselines.get('cliquenet-k36-t12-b').build();
    const node = (id: string) => b.ir.nodes.find((n) => n.id === id)!;
    expect(node('block1/stage1/layer2/W1_2/conv')).toMatchObject({ kernel: 1, padding: 0 });
    expect(node('block1/stage1/layer2/B2/conv')).toMatchObject({ kernel: 3, padding: 1, filters: 36 });
    expect(node('block1/stage2/layer2/B2/conv').shareWeightsWith).toBe('block1/stage1/layer2/B2/conv');
  });

  it('builds for Fashion-MNIST (28×28×1): blocks at 28, 14 and 7', () => {
    const fm = baselines.get('cliquenet-k36-t12-abc').build({ inputShape: [28, 28, 1], classes: 10 });
    expect(fm.shapes.get('block3/stage2_features')).toEqual([7, 7, 144]);
    expect(fm.shapes.get(fm.ir.output)).toEqual([10]);
  });
});

describe('CliqueNet configuration errors come before anything is built', () => {
  const base = CLIQUENET_VARIANTS['cliquenet-k36-t12']!.config;
  const fails =
    (config: Partial<CliqueNetConfig>, options = {}) =>
    () =>
      buildCliqueNet({ ...base, ...config }, options, 'custom');

  it('rejects T not divisible by the blocks, blocks too small for stage II, and odd attention widths', () => {
    expect(fails({ t: 13 })).toThrow(
      'baseline custom: t = 13: T layers are split evenly over the blocks, and 13 is not divisible by 3 blocks',
    );
    expect(fails({ t: 3 })).toThrow(
      'each block needs at least 2 layers for stage II to update one layer from another; T = 3 over 3 blocks gives 1',
    );
    expect(fails({ k: 35, t: 9, attention: true })).toThrow(
      'the attentional transition halves the 3·35 = 105 transition channels, which must be even',
    );
  });

  it('rejects images too small for the transitions and malformed fields, all with INVALID_CONFIG', () => {
    const attempts: [() => unknown, string][] = [
      [
        () => baselines.get('cliquenet-k36-t12').build({ inputShape: [3, 32, 3] }),
        'halves the image 2 times (total stride 4), so height and width must be at least 4',
      ],
      [fails({ k: 0 }), 'k = 0: must be a positive integer'],
      [fails({ blocks: 1.5 }), 'blocks = 1.5'],
      [fails({ dropRate: 1 }), 'dropRate = 1: must be in [0, 1)'],
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
});
