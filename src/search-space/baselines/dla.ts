/**
 * Generic Deep Layer Aggregation builder: Yu, Wang, Shelhamer, Darrell, "Deep
 * Layer Aggregation", CVPR 2018 (arXiv:1707.06484), following the structure of
 * the official implementation (github.com/ucbdrive/dla, dla.py) module by module.
 *
 * - base_layer: 7×7/1 conv → BN → ReLU (3×3 for the CIFAR variant).
 *   level0, level1: `levels[0]`, `levels[1]` 3×3 conv → BN → ReLU units, the first
 *   of level1 strided.
 * - level2..level5: a Tree each (hierarchical deep aggregation). A tree of level 1
 *   holds two blocks and a Root; a tree of level n holds a tree of level n − 1
 *   (tree1) and one (tree2) that receives the earlier outputs as extra children,
 *   so the root of the last leaf aggregates every intermediate output of the stage
 *   (and, with `level_root`, the downsampled stage input: iterative aggregation
 *   across stages). The trees of level3..level5 are level roots, as in the official code.
 * - Root (the aggregation node): concat → 1×1 conv → BN (→ + first child when
 *   `residualRoot`) → ReLU.
 * - Blocks: BasicBlock (two 3×3), Bottleneck (1×1 → 3×3 → 1×1, inner width
 *   planes / 2), BottleneckX (same with a grouped 3×3 of `cardinality` groups and
 *   inner width planes · cardinality / 32). The block's residual is the stage
 *   input, downsampled by a max pool (kernel = stride) and projected by 1×1 conv →
 *   BN where the width changes.
 * - Classifier `fc` as in the official code: average pooling over the final map,
 *   a 1×1 conv with bias, flattened to [classes].
 *
 * Unused projections: the official Tree also creates a `project` (1×1 conv + BN)
 * in every tree of level > 1 whose width changes, but its forward never uses it
 * (tree1 computes its own residual). For DLA-34 those are 41,728 registered but
 * dead parameters (15,783,832 in the official module). The IR keeps every node
 * it is given and counts it, so this builder does not create them: DLA-34 has the
 * published 15,742,104 parameters, the count timm and pytorchcv report for their
 * ports of the official weights, which drop the same dead projections. (Checked
 * in PyTorch: a transcription of the official Tree has 15,783,832 with them and
 * 15,742,104 without, and the same 3,060.04M conv and fc MACs as this IR.)
 *
 * Odd sizes: the official code only works when every downsampling sees an even
 * size (224 → 7): a strided 3×3 conv gives ceil(H/2), a 2×2 max pool floor(H/2),
 * and the residual sum fails. Where a size is odd this builder pads the max pool
 * by one on that axis so it also gives ceil(H/2); at 224×224 nothing changes.
 */
import { IrBuilder } from '../builder.js';
import type { CheckedIr } from '../graph.js';
import { INPUT_ID } from '../ir.js';
import { type Baseline, type BaselineOptions, badConfig, resolveOptions } from './baseline.js';

export type DlaBlock = 'basic' | 'bottleneck' | 'bottleneckx';

export interface DlaConfig {
  /** Six entries: conv units of level0 and level1, then the tree depth of level2..level5. */
  readonly levels: readonly number[];
  /** Output width of level0..level5. */
  readonly channels: readonly number[];
  readonly block: DlaBlock;
  /** Groups of BottleneckX's 3×3 (32 in the official models, 64 in DLA-X-102 64). */
  readonly cardinality?: number;
  /** Adds the first child to the root's output (the official `residual_root`, DLA-102 and deeper). */
  readonly residualRoot: boolean;
  readonly baseKernel: 3 | 7;
  /** Stride of level0..level5, each 1 or 2 (official: [1, 2, 2, 2, 2, 2]). */
  readonly strides: readonly number[];
  readonly defaults: Baseline['defaults'];
}

/** The official Bottleneck/BottleneckX expansion: the block's inner width is its output / 2 (before cardinality). */
const EXPANSION = 2;
const OFFICIAL_CARDINALITY = 32;

interface Ctx {
  readonly b: IrBuilder;
  readonly c: DlaConfig;
}

function convBn(b: IrBuilder, x: string, o: { filters: number; kernel: number; stride?: number; groups?: number }, name: string): string {
  return b.scoped(name, () => b.batchNorm(b.conv(x, { ...o, padding: Math.floor(o.kernel / 2) })));
}

/** One residual block (official BasicBlock / Bottleneck / BottleneckX); `residual` is what its output adds. */
function block(k: Ctx, x: string, planes: number, stride: number, residual: string): string {
  const { b, c } = k;
  let y: string;
  if (c.block === 'basic') {
    y = b.relu(convBn(b, x, { filters: planes, kernel: 3, stride }, 'conv1'));
    y = convBn(b, y, { filters: planes, kernel: 3 }, 'conv2');
  } else {
    const cardinality = c.block === 'bottleneckx' ? (c.cardinality ?? OFFICIAL_CARDINALITY) : 1;
    const inner = c.block === 'bottleneckx' ? (planes * cardinality) / OFFICIAL_CARDINALITY : planes / EXPANSION;
    y = b.relu(convBn(b, x, { filters: inner, kernel: 1 }, 'conv1'));
    y = b.relu(convBn(b, y, { filters: inner, kernel: 3, stride, groups: cardinality }, 'conv2'));
    y = convBn(b, y, { filters: planes, kernel: 1 }, 'conv3');
  }
  return b.relu(b.add([y, residual]));
}

/** Max pool by 2 that also yields ceil(H/2) on an odd axis (see the header). */
function downsample(b: IrBuilder, x: string): string {
  const [h, w] = b.shapeOf(x) as [number, number, number];
  return b.maxPool(x, { kernel: 2, stride: 2, padding: [h % 2, w % 2] }, 'downsample');
}

/** The aggregation node: concat → 1×1 conv → BN (→ + children[0]) → ReLU. */
function root(k: Ctx, children: string[], out: number): string {
  const { b, c } = k;
  return b.scoped('root', () => {
    let y = b.batchNorm(b.conv(b.concat(children), { filters: out, kernel: 1 }));
    if (c.residualRoot) y = b.add([y, children[0]!]);
    return b.relu(y);
  });
}

interface TreeArgs {
  readonly levels: number;
  readonly out: number;
  readonly stride: number;
  readonly levelRoot: boolean;
}

/** The official Tree.forward; `children` are the outputs an enclosing tree hands to this tree's last root. */
function tree(k: Ctx, x: string, t: TreeArgs, children: string[] = []): string {
  const { b } = k;
  const inChannels = b.channelsOf(x);
  // The downsampled input is needed by a leaf (its residual) or a level root (a child); otherwise it is dead.
  const bottom = t.stride > 1 && (t.levels === 1 || t.levelRoot) ? downsample(b, x) : x;
  if (t.levelRoot) children.push(bottom);
  if (t.levels === 1) {
    const residual = inChannels !== t.out ? convBn(b, bottom, { filters: t.out, kernel: 1 }, 'project') : bottom;
    const x1 = b.scoped('tree1', () => block(k, x, t.out, t.stride, residual));
    const x2 = b.scoped('tree2', () => block(k, x1, t.out, 1, x1));
    return root(k, [x2, x1, ...children], t.out);
  }
  const x1 = b.scoped('tree1', () => tree(k, x, { levels: t.levels - 1, out: t.out, stride: t.stride, levelRoot: false }));
  return b.scoped('tree2', () => tree(k, x1, { levels: t.levels - 1, out: t.out, stride: 1, levelRoot: false }, [...children, x1]));
}

/** How much the configuration shrinks the image. */
export function dlaTotalStride(c: DlaConfig): number {
  return c.strides.reduce((a, s) => a * s, 1);
}

/** Checks a configuration before anything is built; every message names the field, the value and the rule. */
export function checkDlaConfig(name: string, c: DlaConfig): void {
  const positive = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
  if (c.levels.length !== 6 || !c.levels.every(positive)) {
    badConfig(name, 'levels', c.levels, 'must list six positive integers (conv units of level0 and level1, tree depths of level2..level5)');
  }
  if (c.channels.length !== 6 || !c.channels.every(positive)) badConfig(name, 'channels', c.channels, 'must list six positive integers');
  if (c.strides.length !== 6 || !c.strides.every((s) => s === 1 || s === 2))
    badConfig(name, 'strides', c.strides, 'must list six strides, each 1 or 2');
  if (!['basic', 'bottleneck', 'bottleneckx'].includes(c.block))
    badConfig(name, 'block', c.block, "must be 'basic', 'bottleneck' or 'bottleneckx'");
  if (c.cardinality !== undefined && !positive(c.cardinality)) badConfig(name, 'cardinality', c.cardinality, 'must be a positive integer');
  const treeWidths = c.channels.slice(2);
  if (c.block === 'bottleneck') {
    const bad = treeWidths.find((w) => w % EXPANSION !== 0);
    if (bad !== undefined)
      badConfig(
        name,
        'channels',
        c.channels,
        `a Bottleneck halves its width for the inner convs, and ${bad} is not divisible by ${EXPANSION}`,
      );
  }
  if (c.block === 'bottleneckx') {
    const cardinality = c.cardinality ?? OFFICIAL_CARDINALITY;
    for (const w of treeWidths) {
      const inner = (w * cardinality) / OFFICIAL_CARDINALITY;
      if (!Number.isInteger(inner) || inner % cardinality !== 0) {
        badConfig(
          name,
          'channels',
          c.channels,
          `a BottleneckX of width ${w} has inner width ${w}·${cardinality}/32 = ${inner}, which its grouped 3×3 cannot split into ${cardinality} groups`,
        );
      }
    }
  }
}

/**
 * Appends the DLA backbone (base_layer, level0..level5) to `b` from `input`; returns the six levels'
 * outputs, finest first (the official `return_levels=True`, which DLA-up reads).
 */
export function appendDlaLevels(b: IrBuilder, input: string, c: DlaConfig, name = 'dla'): string[] {
  checkDlaConfig(name, c);
  const k: Ctx = { b, c };
  const [l0, l1, ...treeLevels] = c.levels as [number, number, ...number[]];
  let x = b.scoped('base_layer', () => b.relu(convBn(b, input, { filters: c.channels[0]!, kernel: c.baseKernel }, 'conv')));
  const outputs: string[] = [];
  [l0, l1].forEach((convs, level) => {
    x = b.scoped(`level${level}`, () => {
      let y = x;
      for (let i = 0; i < convs; i++)
        y = b.relu(convBn(b, y, { filters: c.channels[level]!, kernel: 3, stride: i === 0 ? c.strides[level]! : 1 }, `conv${i}`));
      return y;
    });
    outputs.push(x);
  });
  treeLevels.forEach((levels, i) => {
    const level = i + 2;
    x = b.scoped(`level${level}`, () => tree(k, x, { levels, out: c.channels[level]!, stride: c.strides[level]!, levelRoot: level > 2 }));
    outputs.push(x);
  });
  return outputs;
}

/** Builds a DLA classifier from a configuration; `name` labels errors and the IR. */
export function buildDla(c: DlaConfig, options: BaselineOptions = {}, name = 'dla'): CheckedIr {
  checkDlaConfig(name, c);
  const { inputShape, classes } = resolveOptions(name, c.defaults, options, dlaTotalStride(c));
  const b = new IrBuilder(name, inputShape);
  const x = appendDlaLevels(b, INPUT_ID, c, name).at(-1)!;
  const [h, w] = b.shapeOf(x) as [number, number, number];
  const logits = b.scoped('head', () =>
    b.flatten(b.conv(b.avgPool(x, { kernel: [h, w] }), { filters: classes, kernel: 1, bias: true }, 'fc')),
  );
  return b.build(logits);
}
