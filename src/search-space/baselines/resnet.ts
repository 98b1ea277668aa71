/**
 * Generic ResNet builder: He, Zhang, Ren, Sun, "Deep Residual Learning for Image
 * Recognition", CVPR 2016 (arXiv:1512.03385), with optional Squeeze-and-Excitation
 * (Hu, Shen, Sun, CVPR 2018) on every residual branch.
 *
 * - ImageNet stem: 7×7/2 conv (64) → BN → ReLU → 3×3/2 max pool (padding 1).
 *   CIFAR stem (paper §4.2): 3×3/1 conv → BN → ReLU.
 * - Basic block: 3×3 (stride s) → BN → ReLU → 3×3 → BN. Bottleneck: 1×1 → BN →
 *   ReLU → 3×3 → BN → ReLU → 1×1 (4× width) → BN. Where a bottleneck downsamples
 *   is `strideOn`: on the 3×3 ("v1.5", torchvision) or on the first 1×1 ("v1", the
 *   paper's and SENet's Caffe models). Parameter counts are the same; MACs differ.
 * - ResNeXt (Xie, Girshick, Dollár, Tu, He, "Aggregated Residual Transformations
 *   for Deep Neural Networks", CVPR 2017): with `cardinality` C and `groupWidth` d,
 *   a bottleneck's 1×1 → 3×3 → 1×1 runs ⌊width·d/64⌋·C channels inside and its 3×3
 *   is a grouped convolution of C groups (the paper's form (c), Fig. 3), so
 *   "32×4d" has 128 inner channels in the first stage; the output stays 4×width.
 * - SE (when `seReduction` is set) rescales the branch after its last BN, before
 *   the sum with the shortcut (SENet Fig. 3).
 * - Shortcuts where the shape changes: 'projection' is 1×1 conv (stride s) → BN
 *   (the paper's option B, ImageNet models); 'pad' subsamples with a 1×1/2 max pool
 *   and appends zero channels (option A, the CIFAR models: no parameters).
 * - Head: global average pooling → dense (with bias).
 * Convolutions carry no bias: BN follows each of them.
 */
import { IrBuilder } from '../builder.js';
import type { CheckedIr } from '../graph.js';
import { INPUT_ID } from '../ir.js';
import { type Baseline, type BaselineOptions, badConfig, resolveOptions } from './baseline.js';
import { appendSqueezeExcite } from './squeeze-excite.js';

export interface ResNetConfig {
  /** 'basic': two 3×3 convs; 'bottleneck': 1×1 → 3×3 → 1×1 with 4× expansion. */
  readonly block: 'basic' | 'bottleneck';
  /** Blocks per stage; stages after the first halve the image in their first block. */
  readonly depths: readonly number[];
  /** Width of each stage (bottleneck: the inner width; the block outputs 4×). */
  readonly widths: readonly number[];
  readonly stem: 'imagenet' | 'cifar';
  readonly stemWidth: number;
  /** Which conv of a downsampling bottleneck has stride 2 (see the header). Ignored by basic blocks. */
  readonly strideOn: '1x1' | '3x3';
  readonly shortcut: 'projection' | 'pad';
  /** ResNeXt cardinality C (groups of the bottleneck's 3×3); omitted for a ResNet. Bottleneck only. */
  readonly cardinality?: number;
  /** ResNeXt width per group d at the first stage's width 64 (the "4d" of 32×4d); required with `cardinality`. */
  readonly groupWidth?: number;
  /** SE reduction ratio r; omitted for a plain ResNet. */
  readonly seReduction?: number;
  readonly defaults: Baseline['defaults'];
}

const EXPANSION = { basic: 1, bottleneck: 4 } as const;

function convBn(b: IrBuilder, x: string, filters: number, kernel: number, stride: number, name: string, groups = 1): string {
  return b.scoped(name, () => b.batchNorm(b.conv(x, { filters, kernel, stride, padding: Math.floor(kernel / 2), groups })));
}

function shortcut(b: IrBuilder, x: string, c: ResNetConfig, out: number, stride: number): string {
  const inChannels = b.channelsOf(x);
  if (stride === 1 && inChannels === out) return x;
  if (c.shortcut === 'projection') return convBn(b, x, out, 1, stride, 'downsample');
  return b.scoped('shortcut', () => {
    const sub = stride === 1 ? x : b.maxPool(x, { kernel: 1, stride }, 'subsample');
    if (inChannels === out) return sub;
    const zeros = Array.from({ length: out / inChannels - 1 }, () => b.zeros(sub, 'pad'));
    return b.concat([sub, ...zeros]);
  });
}

/** Channels inside a bottleneck: the stage width, or ResNeXt's ⌊width·d/64⌋·C (torchvision's and the authors' formula). */
function innerWidth(c: ResNetConfig, width: number): number {
  return c.cardinality === undefined ? width : Math.floor((width * c.groupWidth!) / 64) * c.cardinality;
}

function residualBlock(b: IrBuilder, x: string, c: ResNetConfig, width: number, stride: number): string {
  const out = width * EXPANSION[c.block];
  let y: string;
  if (c.block === 'basic') {
    y = convBn(b, x, width, 3, stride, 'conv1');
    y = convBn(b, b.relu(y), width, 3, 1, 'conv2');
  } else {
    const [s1, s3] = c.strideOn === '1x1' ? [stride, 1] : [1, stride];
    const inner = innerWidth(c, width);
    y = convBn(b, x, inner, 1, s1, 'conv1');
    y = convBn(b, b.relu(y), inner, 3, s3, 'conv2', c.cardinality);
    y = convBn(b, b.relu(y), out, 1, 1, 'conv3');
  }
  if (c.seReduction !== undefined) y = appendSqueezeExcite(b, y, c.seReduction);
  return b.relu(b.add([shortcut(b, x, c, out, stride), y]));
}

/** How much the configuration shrinks the image: the stem, then one halving per stage after the first. */
export function resNetTotalStride(c: ResNetConfig): number {
  return (c.stem === 'imagenet' ? 4 : 1) * 2 ** (c.depths.length - 1);
}

/** Checks a configuration before anything is built; every message names the field, the value and the rule. */
export function checkResNetConfig(name: string, c: ResNetConfig): void {
  const positive = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
  if (c.depths.length === 0 || !c.depths.every(positive))
    badConfig(name, 'depths', c.depths, 'must be a non-empty list of positive integers');
  if (c.widths.length !== c.depths.length || !c.widths.every(positive)) {
    badConfig(name, 'widths', c.widths, `must list one positive integer per stage (${c.depths.length} stages)`);
  }
  if (!positive(c.stemWidth)) badConfig(name, 'stemWidth', c.stemWidth, 'must be a positive integer');
  const outs = c.widths.map((w) => w * EXPANSION[c.block]);
  if (c.cardinality !== undefined) {
    if (c.block !== 'bottleneck') badConfig(name, 'cardinality', c.cardinality, "grouped (ResNeXt) blocks need block: 'bottleneck'");
    if (!positive(c.cardinality)) badConfig(name, 'cardinality', c.cardinality, 'must be a positive integer');
    if (!positive(c.groupWidth)) badConfig(name, 'groupWidth', c.groupWidth, 'must be a positive integer when cardinality is set');
    const empty = c.widths.find((w) => Math.floor((w * c.groupWidth!) / 64) === 0);
    if (empty !== undefined)
      badConfig(
        name,
        'groupWidth',
        c.groupWidth,
        `a stage of width ${empty} would get ⌊${empty}·${c.groupWidth}/64⌋ = 0 channels per group`,
      );
  } else if (c.groupWidth !== undefined) {
    badConfig(name, 'groupWidth', c.groupWidth, 'only applies with cardinality', 'set cardinality too (e.g. 32 for 32x4d)');
  }
  if (c.seReduction !== undefined) {
    if (!positive(c.seReduction)) badConfig(name, 'seReduction', c.seReduction, 'must be a positive integer');
    const bad = outs.find((w) => w % c.seReduction! !== 0);
    if (bad !== undefined) {
      badConfig(
        name,
        'seReduction',
        c.seReduction,
        `the SE block reduces ${bad} channels by r, and ${bad} is not divisible by ${c.seReduction}`,
      );
    }
  }
  if (c.shortcut === 'pad') {
    // Zero padding can only append whole copies of the input's width.
    [c.stemWidth, ...outs].forEach((w, i) => {
      const next = outs[i];
      if (next !== undefined && (next < w || next % w !== 0)) {
        badConfig(
          name,
          'widths',
          c.widths,
          `a 'pad' shortcut cannot turn ${w} channels into ${next}: the width must grow by a whole multiple`,
          "use shortcut: 'projection'",
        );
      }
    });
  }
}

/** Builds a ResNet (or SE-ResNet) from a configuration; `name` labels errors and the IR. */
export function buildResNet(c: ResNetConfig, options: BaselineOptions = {}, name = 'resnet'): CheckedIr {
  checkResNetConfig(name, c);
  const { inputShape, classes } = resolveOptions(name, c.defaults, options, resNetTotalStride(c));
  const b = new IrBuilder(name, inputShape);
  let x = b.scoped('stem', () => {
    if (c.stem === 'cifar') return b.relu(convBn(b, INPUT_ID, c.stemWidth, 3, 1, 'conv'));
    const y = b.relu(convBn(b, INPUT_ID, c.stemWidth, 7, 2, 'conv'));
    return b.maxPool(y, { kernel: 3, stride: 2, padding: 1 });
  });
  c.depths.forEach((depth, stage) => {
    for (let i = 0; i < depth; i++) {
      const stride = stage > 0 && i === 0 ? 2 : 1;
      x = b.scoped(`layer${stage + 1}.${i}`, () => residualBlock(b, x, c, c.widths[stage]!, stride));
    }
  });
  x = b.scoped('head', () => b.dense(b.globalAvgPool(x), { units: classes }));
  return b.build(x);
}
