/**
 * Network layouts: the macro-structure a block is stacked into. BlockQNN
 * (Zhong et al., CVPR 2018, Fig. 3) searches a block in a small CIFAR network
 * (3×3 stem, N blocks per stage, a pool between stages, width doubling) and then
 * transfers the found block to ImageNet by stacking it into a larger network with
 * a 7×7 stride-2 stem and a 3×3 stride-2 max pool before the stages.
 *
 * A layout names that macro-structure as data: the stem, each stage's width, its
 * stride (2: the downsampling layer before the stage halves the image) and its
 * block count. The presets:
 * - `cifar`: the search network (3×3 conv → BN stem, stage widths base·2^s, no
 *   downsampling before the first stage); it is what the search's own network
 *   options (baseFilters, stages, blocksPerStage) describe.
 * - `imagenet`: 7×7/2 conv (64) → BN → ReLU → 3×3/2 max pool, four stages of
 *   64/128/256/512 channels with strides 1/2/2/2 and 2 blocks each (ResNet-18's
 *   scaffold, total stride 32), 224×224×3 input and 1000 classes. The paper does
 *   not list its ImageNet widths and block counts; these are the common choice
 *   for a block of this size, and every one of them can be changed
 *   (`--widths/--strides/--blocks/--stages/--stem`).
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';

export type StemKind = 'cifar' | 'imagenet';

export interface NetworkLayout {
  /** cifar: 3×3 conv → BN at the first stage's width; imagenet: 7×7/2 conv → BN → ReLU → 3×3/2 max pool. */
  readonly stem: StemKind;
  /** Channels of each stage's blocks. */
  readonly widths: readonly number[];
  /** 1 or 2 per stage: 2 puts the run's downsampling layer (a 2×2/2 pool) before the stage. */
  readonly strides: readonly number[];
  /** Blocks per stage. */
  readonly blocks: readonly number[];
}

interface LayoutPreset {
  readonly description: string;
  /** Input and classes the preset is meant for (inspect's defaults). */
  readonly inputShape?: readonly [number, number, number];
  readonly classes?: number;
  /** The layout, given the search network's options (only `cifar` uses them). */
  layout(search: SearchNetwork): NetworkLayout;
}

/** The search network's own description (a run's `network` options). */
export interface SearchNetwork {
  readonly baseFilters: number;
  readonly stages: number;
  readonly blocksPerStage: number;
}

export const STEM_KINDS: readonly StemKind[] = ['cifar', 'imagenet'];

export const LAYOUT_PRESETS: Readonly<Record<string, LayoutPreset>> = {
  cifar: {
    description: "the search network: 3x3 stem, stage widths base*2^s, strides 1,2,2,..., N blocks per stage (the run's network options)",
    layout: (s) => ({
      stem: 'cifar',
      widths: Array.from({ length: s.stages }, (_, i) => s.baseFilters * 2 ** i),
      strides: Array.from({ length: s.stages }, (_, i) => (i === 0 ? 1 : 2)),
      blocks: Array.from({ length: s.stages }, () => s.blocksPerStage),
    }),
  },
  imagenet: {
    description: '7x7/2 conv + 3x3/2 max pool stem, widths 64,128,256,512, strides 1,2,2,2, 2 blocks per stage, 224x224x3, 1000 classes',
    inputShape: [224, 224, 3],
    classes: 1000,
    layout: () => ({ stem: 'imagenet', widths: [64, 128, 256, 512], strides: [1, 2, 2, 2], blocks: [2, 2, 2, 2] }),
  },
};

export const LAYOUT_NAMES = Object.keys(LAYOUT_PRESETS);

/** What a user may give on the command line; each field overrides the preset's. */
export interface LayoutFlags {
  layout?: string | undefined;
  stem?: string | undefined;
  widths?: readonly number[] | undefined;
  strides?: readonly number[] | undefined;
  /** One number (every stage) or one per stage. */
  blocks?: number | readonly number[] | undefined;
  stages?: number | undefined;
}

/** Whether any layout flag is set (else the search's own network applies unchanged). */
export function hasLayoutFlags(f: LayoutFlags): boolean {
  return (
    f.layout !== undefined ||
    f.stem !== undefined ||
    f.widths !== undefined ||
    f.strides !== undefined ||
    f.blocks !== undefined ||
    f.stages !== undefined
  );
}

const invalid = (field: string, value: unknown, rule: string, hint?: string): never => {
  throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `network layout ${field} = ${JSON.stringify(value)}: ${rule}`, {
    details: { field, value },
    ...(hint ? { hint } : {}),
  });
};

/** Lengthens or shortens a per-stage list to `stages` entries, continuing with `next(last)`. */
function fit(list: readonly number[], stages: number, next: (last: number) => number): number[] {
  const out = list.slice(0, stages);
  while (out.length < stages) out.push(next(out.at(-1)!));
  return out;
}

/**
 * The layout the flags describe: the named preset (default `cifar`, built from
 * the search network), then --stages (drops or adds stages: an added stage doubles
 * the width, strides 2, repeats the last block count), then the explicit lists.
 */
export function resolveLayout(flags: LayoutFlags, search: SearchNetwork): NetworkLayout {
  const name = flags.layout ?? 'cifar';
  const preset = LAYOUT_PRESETS[name];
  if (!preset) invalid('layout', name, `is not a layout; valid: ${LAYOUT_NAMES.join(', ')}`);
  const base = preset!.layout(search);
  const stages = flags.stages ?? flags.widths?.length ?? base.widths.length;
  if (!Number.isInteger(stages) || stages < 1) invalid('stages', stages, 'must be a positive integer');
  const stem = flags.stem ?? base.stem;
  if (!STEM_KINDS.includes(stem as StemKind)) invalid('stem', stem, `must be one of ${STEM_KINDS.join(', ')}`);
  const perStage = (field: string, given: readonly number[] | undefined, fallback: number[]): number[] => {
    if (given === undefined) return fallback;
    if (given.length !== stages)
      invalid(field, given, `lists ${given.length} stage(s), the layout has ${stages}`, `give one value per stage, or change --stages`);
    return [...given];
  };
  const widths = perStage(
    'widths',
    flags.widths,
    fit(base.widths, stages, (w) => w * 2),
  );
  const strides = perStage(
    'strides',
    flags.strides,
    fit(base.strides, stages, () => 2),
  );
  const blocks =
    typeof flags.blocks === 'number'
      ? Array.from({ length: stages }, () => flags.blocks as number)
      : perStage(
          'blocks',
          flags.blocks as readonly number[] | undefined,
          fit(base.blocks, stages, (n) => n),
        );
  return checkLayout({ stem: stem as StemKind, widths, strides, blocks });
}

/** Checks a layout; every message names the field, its value and the rule. */
export function checkLayout(layout: NetworkLayout): NetworkLayout {
  const positive = (v: number) => Number.isInteger(v) && v > 0;
  if (!STEM_KINDS.includes(layout.stem)) invalid('stem', layout.stem, `must be one of ${STEM_KINDS.join(', ')}`);
  if (layout.widths.length === 0 || !layout.widths.every(positive))
    invalid('widths', layout.widths, 'must be a non-empty list of positive integers');
  const n = layout.widths.length;
  if (layout.strides.length !== n || !layout.strides.every((s) => s === 1 || s === 2))
    invalid('strides', layout.strides, `must list 1 or 2 for each of the ${n} stage(s)`);
  if (layout.blocks.length !== n || !layout.blocks.every(positive))
    invalid('blocks', layout.blocks, `must list a positive block count for each of the ${n} stage(s)`);
  return layout;
}

/** How much the layout shrinks the image: the stem (4 for imagenet), then each stride-2 stage. */
export function layoutTotalStride(layout: NetworkLayout): number {
  return (layout.stem === 'imagenet' ? 4 : 1) * layout.strides.reduce((p, s) => p * s, 1);
}

/** Refuses an input the layout would shrink below one pixel, naming the sizes and the fix. */
export function checkLayoutInput(layout: NetworkLayout, inputShape: readonly number[], what = 'the input'): void {
  const total = layoutTotalStride(layout);
  const [h, w] = inputShape as [number, number];
  if (h < total || w < total) {
    throw new BlockqnnError(
      ErrorCode.INVALID_CONFIG,
      `network layout: ${what} is ${h}x${w}, too small for a layout of total stride ${total} (stem ${layout.stem}, strides ${layout.strides.join(',')}): height and width must be at least ${total}`,
      {
        details: { field: 'inputShape', value: inputShape, totalStride: total },
        hint: `use images of at least ${total}x${total} (e.g. a dataset resized with imageSize), fewer stride-2 stages (--strides), or --stem cifar`,
      },
    );
  }
}
