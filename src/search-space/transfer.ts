/**
 * Rebuilding a found block into another network layout (BlockQNN's transfer of
 * a CIFAR-searched block to ImageNet), from what a run stored: its NSC text and
 * the run configuration's `network`, `maxIndex` and `nscTypes`. Used by export;
 * `train` builds through the same assembleNetwork with the run's parsed config.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { assembleNetwork } from './assemble.js';
import type { CheckedIr } from './graph.js';
import { type LayoutFlags, type NetworkLayout, LAYOUT_PRESETS, resolveLayout } from './layouts.js';
import { type ExtraLayerType, parseNsc } from './nsc.js';

const record = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const int = (v: unknown, fallback: number): number => (Number.isInteger(v) ? (v as number) : fallback);

/**
 * The block `nsc` of a run with configuration `runConfig`, stacked into the
 * layout the flags describe. Input and classes are the preset's where it has
 * them (imagenet: 224×224×3, 1000), else the run's network's.
 */
export function rebuildWithLayout(runConfig: Readonly<Record<string, unknown>>, nsc: string, flags: LayoutFlags, what: string): { checked: CheckedIr; layout: NetworkLayout } {
  if (runConfig.space === 'nasbench201') {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `${what} is a NAS-Bench-201 cell, whose network the benchmark fixes; a layout stacks an NSC block`, { hint: 'leave out --layout, --stem, --widths, --strides, --stages and --blocks' });
  }
  const network = record(runConfig.network);
  const search = { baseFilters: int(network.baseFilters, 16), stages: int(network.stages, 2), blocksPerStage: int(network.blocksPerStage, 1) };
  const layout = resolveLayout(flags, search);
  const preset = LAYOUT_PRESETS[flags.layout ?? 'cifar']!;
  const inputShape = (preset.inputShape ? [...preset.inputShape] : network.inputShape) as [number, number, number] | undefined;
  const classes = preset.classes ?? (Number.isInteger(network.classes) ? (network.classes as number) : undefined);
  const nscTypes = Array.isArray(runConfig.nscTypes) ? (runConfig.nscTypes as ExtraLayerType[]) : [];
  const block = parseNsc(nsc, { ...(Number.isInteger(runConfig.maxIndex) ? { maxIndex: runConfig.maxIndex as number } : {}), extraTypes: nscTypes });
  const checked = assembleNetwork(block, {
    ...(inputShape ? { inputShape } : {}), ...(classes ? { classes } : {}), layout,
    ...(typeof network.downsample === 'string' ? { downsample: network.downsample } : {}),
  });
  return { checked, layout };
}

/** Whether two layouts are the same macro-structure (a training's recorded layout against a requested one). */
export function sameLayout(a: unknown, b: NetworkLayout): boolean {
  const x = record(a);
  const eq = (p: unknown, q: readonly number[]) => Array.isArray(p) && p.length === q.length && p.every((v, i) => v === q[i]);
  return x.stem === b.stem && eq(x.widths, b.widths) && eq(x.strides, b.strides) && eq(x.blocks, b.blocks);
}
