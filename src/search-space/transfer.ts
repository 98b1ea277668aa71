/**
 * Rebuilding a found block into another network layout (BlockQNN's transfer of
 * a CIFAR-searched block to ImageNet), from what a run stored: its key, and its
 * configuration as the run's space reads it (spaces/run-config.ts). Used by
 * export; `train` builds through the same space entry with the run's parsed config.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import type { CheckedIr } from './graph.js';
import { type LayoutFlags, type NetworkLayout, LAYOUT_PRESETS, resolveLayout } from './layouts.js';
import { runSpaceOf } from './spaces/index.js';

const record = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/**
 * The block `nsc` of a run with configuration `runConfig`, stacked into the
 * layout the flags describe. Input and classes are the preset's where it has
 * them (imagenet: 224×224×3, 1000), else the run's network's.
 */
export function rebuildWithLayout(
  runConfig: Readonly<Record<string, unknown>>,
  nsc: string,
  flags: LayoutFlags,
  what: string,
): { checked: CheckedIr; layout: NetworkLayout } {
  const { entry, settings, network } = runSpaceOf(runConfig);
  if (entry.fixedNetwork !== null) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `${what} is ${entry.fixedNetwork}; a layout stacks an NSC block`, {
      hint: 'leave out --layout, --stem, --widths, --strides, --stages and --blocks',
    });
  }
  const search = { baseFilters: network.baseFilters ?? 16, stages: network.stages ?? 2, blocksPerStage: network.blocksPerStage ?? 1 };
  const layout = resolveLayout(flags, search);
  const preset = LAYOUT_PRESETS[flags.layout ?? 'cifar']!;
  const inputShape = preset.inputShape ? ([...preset.inputShape] as [number, number, number]) : network.inputShape;
  const classes = preset.classes ?? network.classes;
  const checked = entry.build(nsc, settings, { inputShape, classes, layout, downsample: network.downsample });
  return { checked, layout };
}

/** Whether two layouts are the same macro-structure (a training's recorded layout against a requested one). */
export function sameLayout(a: unknown, b: NetworkLayout): boolean {
  const x = record(a);
  const eq = (p: unknown, q: readonly number[]) => Array.isArray(p) && p.length === q.length && p.every((v, i) => v === q[i]);
  return x.stem === b.stem && eq(x.widths, b.widths) && eq(x.strides, b.strides) && eq(x.blocks, b.blocks);
}
