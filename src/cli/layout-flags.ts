/**
 * The network-layout flags shared by `inspect`, `train` and `export` (the
 * ImageNet transfer of a found block; see src/search-space/layouts.ts), declared
 * once so the three commands spell and parse them alike.
 */
import type { Command } from 'commander';
import { LAYOUT_NAMES, type LayoutFlags, STEM_KINDS } from '../search-space/index.js';
import { blockCounts, oneOf, positiveInt, positiveIntList } from './commands/options.js';

export interface LayoutOptionValues {
  layout?: string;
  stem?: string;
  widths?: number[];
  strides?: number[];
  blocks?: number | number[];
  stages?: number;
}

/** Adds --layout, --stem, --widths and --strides; `withCounts` adds --stages and --blocks too (inspect has its own). */
export function addLayoutOptions(command: Command, withCounts: boolean): Command {
  command
    .option(
      '--layout <name>',
      `network layout the block is stacked into: ${LAYOUT_NAMES.join(' | ')} (default: the search's own network)`,
      oneOf('--layout', LAYOUT_NAMES),
    )
    .option('--stem <kind>', `layout stem: ${STEM_KINDS.join(' | ')} (imagenet: 7x7/2 conv + 3x3/2 max pool)`, oneOf('--stem', STEM_KINDS))
    .option('--widths <list>', 'layout: channels per stage, e.g. 64,128,256,512', positiveIntList('--widths'))
    .option('--strides <list>', 'layout: 1 or 2 per stage (2: downsample before the stage), e.g. 1,2,2,2', positiveIntList('--strides'));
  if (withCounts) {
    command
      .option('--stages <S>', "number of stages (default: the search's or the layout's)", positiveInt('--stages'))
      .option(
        '--blocks <N|list>',
        "blocks per stage: one number, or one per stage (default: the search's or the layout's)",
        blockCounts('--blocks'),
      );
  }
  return command;
}

export function layoutFlagsOf(o: LayoutOptionValues): LayoutFlags {
  return { layout: o.layout, stem: o.stem, widths: o.widths, strides: o.strides, blocks: o.blocks, stages: o.stages };
}
