/**
 * Block → full network, as in BlockQNN (Zhong et al., CVPR 2018, Fig. 3): a stem
 * convolution, then `stages` stages of `blocksPerStage` copies of the block with a
 * 2×2 max pool (stride 2) between stages and the width doubling after each pool,
 * then BN → ReLU → global average pooling → a dense classifier.
 *
 * Inside a block at width w:
 * - conv k (type 1) is the pre-activation unit ReLU → Conv k×k (w filters, "same"
 *   padding, no bias) → BN;
 * - max/avg pool k (types 2, 3) use stride 1 and "same" padding (average pooling
 *   excludes the padding), so they keep their input's shape and width;
 * - identity (type 4) is the predecessor itself and adds no node;
 * - concat (type 6) stacks channels, so widths add up;
 * - the optional types (nsc.ts): se (type 8) is Squeeze-and-Excitation of its
 *   predecessor (global average pool → dense C → max(1, ⌊C/16⌋) → ReLU → dense C →
 *   sigmoid → channel scale, biased dense layers as in baselines/squeeze-excite.ts;
 *   the floor of one hidden unit lets narrow searched networks use it); dpp
 *   (type 9) is Lite-DPP, symmetric, 3×3 window, stride 1, padding 1.
 *
 * The downsampling between stages is the paper's 2×2 max pool unless the
 * network option `downsample` names another 2×2, stride-2 layer (`avgpool`, or a
 * DPP variant such as `dpp-lite-s3-sym`; see baselines/dpp-variants.ts).
 *
 * Reconciling widths:
 * - add (type 5) of unequal widths projects the narrower operand with a
 *   pre-activation 1×1 unit (ReLU → Conv 1×1 → BN) to the wider width;
 * - the block output concatenates all layers without successors (in index
 *   order); if the result is not w channels wide (several outputs, concats, or
 *   a pool/identity of a block input of another width) a 1×1 pre-activation unit
 *   projects it to w, so every block hands w channels to the next.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { IrBuilder } from './builder.js';
import type { CheckedIr } from './graph.js';
import { INPUT_ID } from './ir.js';
import { DOWNSAMPLINGS, DOWNSAMPLING_NAMES } from './baselines/dpp-variants.js';
import { appendDownsampling } from './baselines/dpp-resnet.js';
import { type NetworkLayout, LAYOUT_PRESETS, checkLayout, checkLayoutInput } from './layouts.js';
import { type NscBlock, LayerType, inputsOf, outputLayers } from './nsc.js';

/** SE reduction of the optional se layer type (the SENet paper's r). */
const SE_REDUCTION = 16;

export interface NetworkOptions {
  /** Input image shape [H, W, C]. */
  inputShape: [number, number, number];
  classes: number;
  /** Blocks per stage (the paper's N; 4 on CIFAR). */
  blocksPerStage: number;
  /** Width of the stem and the first stage; doubles per stage. */
  baseFilters: number;
  stages: number;
  name?: string;
  /** Layer between stages: `maxpool` (the paper's, default), `avgpool` or a DPP variant (`dpp-lite-s3-sym`, ...). */
  downsample?: string;
  /**
   * The macro-structure (stem, per-stage widths, strides, block counts; see
   * layouts.ts), e.g. the ImageNet transfer of a found block. When given it
   * replaces blocksPerStage, baseFilters and stages.
   */
  layout?: NetworkLayout;
}

export const DEFAULT_NETWORK_OPTIONS: NetworkOptions = {
  inputShape: [32, 32, 3],
  classes: 10,
  blocksPerStage: 4,
  baseFilters: 32,
  stages: 3,
};

function preActivation(b: IrBuilder, input: string, filters: number, kernel: number): string {
  const r = b.relu(input);
  const c = b.conv(r, { filters, kernel, padding: Math.floor(kernel / 2) });
  return b.batchNorm(c);
}

/** Appends one instance of the block to the builder; returns the id of its w-channel output. */
export function appendBlock(b: IrBuilder, block: NscBlock, input: string, width: number): string {
  const values = new Map<number, string>([[0, input]]);
  for (const layer of block) {
    if (layer.type === LayerType.terminal) continue;
    const [p1, p2] = inputsOf(layer).map((p) => values.get(p)!);
    const value = b.scoped(`l${layer.index}`, (): string => {
      switch (layer.type) {
        case LayerType.conv:
          return preActivation(b, p1!, width, layer.kernel);
        case LayerType.maxPool:
          return b.maxPool(p1!, { kernel: layer.kernel, stride: 1, padding: Math.floor(layer.kernel / 2) });
        case LayerType.avgPool:
          return b.avgPool(p1!, { kernel: layer.kernel, stride: 1, padding: Math.floor(layer.kernel / 2), countIncludePad: false });
        case LayerType.identity:
          return p1!;
        case LayerType.add: {
          const [c1, c2] = [b.channelsOf(p1!), b.channelsOf(p2!)];
          const a = c1 < c2 ? b.scoped('proj', () => preActivation(b, p1!, c2, 1)) : p1!;
          const c = c2 < c1 ? b.scoped('proj', () => preActivation(b, p2!, c1, 1)) : p2!;
          return b.add([a, c]);
        }
        case LayerType.concat:
          return b.concat([p1!, p2!]);
        case LayerType.se: {
          const channels = b.channelsOf(p1!);
          const hidden = b.relu(
            b.dense(b.globalAvgPool(p1!, 'squeeze'), { units: Math.max(1, Math.floor(channels / SE_REDUCTION)) }, 'reduce'),
          );
          return b.channelScale(p1!, b.sigmoid(b.dense(hidden, { units: channels }, 'expand')));
        }
        case LayerType.dpp:
          return b.dpp(p1!, { kernel: layer.kernel, stride: 1, padding: Math.floor(layer.kernel / 2), variant: 'lite', reward: 'sym' });
        default:
          throw new Error(`unreachable layer type ${layer.type}`);
      }
    });
    values.set(layer.index, value);
  }
  const leaves = outputLayers(block).map((l) => values.get(l.index)!);
  let out = leaves.length === 1 ? leaves[0]! : b.concat(leaves, 'out');
  if (b.channelsOf(out) !== width) out = b.scoped('out', () => preActivation(b, out, width, 1));
  return out;
}

function checkOptions(o: NetworkOptions): void {
  const bad = (field: string, value: unknown, rule: string): never => {
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `network option ${field} = ${JSON.stringify(value)}: ${rule}`, {
      details: { field, value },
    });
  };
  for (const field of ['classes', 'blocksPerStage', 'baseFilters', 'stages'] as const) {
    if (!Number.isInteger(o[field]) || o[field] < 1) bad(field, o[field], 'must be a positive integer');
  }
  if (o.inputShape.length !== 3 || !o.inputShape.every((d) => Number.isInteger(d) && d > 0))
    bad('inputShape', o.inputShape, 'must be [H, W, C] of positive integers');
  if (o.downsample !== undefined && !Object.hasOwn(DOWNSAMPLINGS, o.downsample))
    bad('downsample', o.downsample, `must be one of ${DOWNSAMPLING_NAMES.join(', ')}`);
  if (o.layout) {
    checkLayout(o.layout);
    checkLayoutInput(o.layout, o.inputShape);
    return;
  }
  const reduction = 2 ** (o.stages - 1);
  if (o.inputShape[0] < reduction || o.inputShape[1] < reduction) {
    bad(
      'stages',
      o.stages,
      `${o.stages} stages halve the image ${o.stages - 1} times, too often for ${o.inputShape[0]}x${o.inputShape[1]}`,
    );
  }
}

/** Builds the full BlockQNN network around a validated block. */
export function assembleNetwork(block: NscBlock, options: Partial<NetworkOptions> = {}): CheckedIr {
  const o = { ...DEFAULT_NETWORK_OPTIONS, ...options };
  checkOptions(o);
  // The search network is the cifar layout of its own options: one code path builds both.
  const layout = o.layout ?? LAYOUT_PRESETS.cifar!.layout(o);
  const b = new IrBuilder(o.name ?? 'blockqnn', o.inputShape);
  const stemWidth = layout.widths[0]!;
  let x = b.scoped('stem', () => {
    if (layout.stem === 'cifar') return b.batchNorm(b.conv(INPUT_ID, { filters: stemWidth, kernel: 3, padding: 1 }));
    const y = b.relu(b.batchNorm(b.conv(INPUT_ID, { filters: stemWidth, kernel: 7, stride: 2, padding: 3 })));
    return b.maxPool(y, { kernel: 3, stride: 2, padding: 1 });
  });
  for (let stage = 0; stage < layout.widths.length; stage++) {
    const width = layout.widths[stage]!;
    if (layout.strides[stage] === 2) x = appendDownsampling(b, x, DOWNSAMPLINGS[o.downsample ?? 'maxpool']!.d, `pool${stage}`);
    for (let i = 0; i < layout.blocks[stage]!; i++) {
      x = b.scoped(`s${stage + 1}b${i + 1}`, () => appendBlock(b, block, x, width));
    }
  }
  x = b.scoped('head', () => b.dense(b.globalAvgPool(b.relu(b.batchNorm(x))), { units: o.classes }));
  return b.build(x);
}
