/** `blockqnn inspect`: validate an architecture and print its canonical form, hash, density and cost. */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import {
  type CheckedIr,
  type ExtraLayerType,
  DEFAULT_NETWORK_OPTIONS,
  LAYOUT_PRESETS,
  type NetworkLayout,
  baselines,
  networkCost,
  parseIr,
  resolveLayout,
  searchSpaces,
} from '../../search-space/index.js';
import { addLayoutOptions, layoutFlagsOf } from '../layout-flags.js';
import { blockCounts, imageShape, positiveInt } from './options.js';

export interface InspectOptions {
  ir?: string;
  baseline?: string;
  space: string;
  input?: [number, number, number];
  classes?: number;
  /** Blocks per stage: one number, or (with a layout) one per stage. */
  blocks?: number | number[];
  baseFilters?: number;
  stages?: number;
  maxIndex?: number;
  /** Optional NSC layer types the code may use (se, dpp). */
  nscTypes?: string[];
  /** Layer between stages (maxpool, avgpool, dpp-…). */
  downsample?: string;
  /** Network layout (src/search-space/layouts.ts): a preset and its overrides. */
  layout?: string;
  stem?: string;
  widths?: number[];
  strides?: number[];
  json?: boolean;
}

export interface InspectReport {
  /** A search space's name (searchSpaces), or 'ir' / 'baseline' for --ir / --baseline. */
  space: string;
  /** The baseline's registry name (space 'baseline'). */
  baseline?: string;
  canonical?: string;
  hash?: string;
  density?: number;
  /** The macro-structure the block was stacked into, when a layout was asked for. */
  layout?: NetworkLayout;
  inputShape: number[];
  outputShape: number[];
  nodes: number;
  params: number;
  flops: number;
}

/** Reads an argument that is either inline text or the path of a file holding it. */
function textOrFile(value: string): string {
  return existsSync(value) ? readFileSync(value, 'utf8') : value;
}

function costFields(checked: CheckedIr): Pick<InspectReport, 'inputShape' | 'outputShape' | 'nodes' | 'params' | 'flops'> {
  const cost = networkCost(checked);
  return {
    inputShape: [...checked.ir.input.shape],
    outputShape: [...checked.shapes.get(checked.ir.output)!],
    nodes: checked.ir.nodes.length,
    params: cost.params,
    flops: cost.macs,
  };
}

export function inspect(code: string | undefined, o: InspectOptions): InspectReport {
  if (o.baseline !== undefined) {
    if (code !== undefined || o.ir) {
      throw new BlockqnnError(
        ErrorCode.INVALID_INPUT,
        `--baseline ${o.baseline} inspects a named network; do not also pass ${code !== undefined ? `the code "${code}"` : '--ir'}`,
        {
          hint: 'run `blockqnn inspect --baseline NAME [--input HxWxC] [--classes K]` on its own',
        },
      );
    }
    // An unknown name throws UNKNOWN_NAME with the valid names in the hint.
    const entry = baselines.get(o.baseline);
    const checked = entry.build({ ...(o.input ? { inputShape: o.input } : {}), ...(o.classes ? { classes: o.classes } : {}) });
    return { space: 'baseline', baseline: entry.name, ...costFields(checked) };
  }
  if (o.ir) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(o.ir, 'utf8'));
    } catch (error) {
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, `cannot read IR file ${o.ir}: ${(error as Error).message}`);
    }
    return { space: 'ir', ...costFields(parseIr(json)) };
  }
  if (code === undefined) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, 'nothing to inspect', {
      hint: 'pass an NSC code or file (e.g. "(1,1,3,0,0)(2,7,0,0,0)"), --ir FILE, --space nasbench201 ARCH, or --baseline NAME',
    });
  }
  const text = textOrFile(code).trim();
  // An unknown name throws UNKNOWN_NAME with the valid names in the hint.
  const space = searchSpaces.get(o.space);
  const settings = { ...(o.maxIndex ? { maxIndex: o.maxIndex } : {}), extraTypes: (o.nscTypes ?? []) as ExtraLayerType[] };
  // Malformed keys fail here, in the space's parser, before any network option is read.
  const key = {
    space: o.space,
    canonical: space.canonical(text, settings),
    hash: space.hash(text, settings),
    density: space.density(text, settings),
  };
  const usesLayout =
    o.layout !== undefined || o.stem !== undefined || o.widths !== undefined || o.strides !== undefined || Array.isArray(o.blocks);
  if (usesLayout) {
    if (space.fixedNetwork !== null) {
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, `${text} is ${space.fixedNetwork}; a layout stacks an NSC block`, {
        hint: 'leave out --layout, --stem, --widths, --strides and a per-stage --blocks',
      });
    }
    // The search network's options are the cifar preset's inputs; a named preset brings its own input and classes.
    const preset = LAYOUT_PRESETS[o.layout ?? 'cifar'];
    const search = {
      baseFilters: o.baseFilters ?? DEFAULT_NETWORK_OPTIONS.baseFilters,
      stages: DEFAULT_NETWORK_OPTIONS.stages,
      blocksPerStage: DEFAULT_NETWORK_OPTIONS.blocksPerStage,
    };
    const layout = resolveLayout(layoutFlagsOf(o), search);
    const inputShape = o.input ?? (preset?.inputShape ? ([...preset.inputShape] as [number, number, number]) : undefined);
    const classes = o.classes ?? preset?.classes;
    return { ...key, layout, ...costFields(space.build(text, settings, { inputShape, classes, layout, downsample: o.downsample })) };
  }
  const network = {
    inputShape: o.input,
    classes: o.classes,
    blocksPerStage: o.blocks as number | undefined,
    baseFilters: o.baseFilters,
    stages: o.stages,
    downsample: o.downsample,
  };
  return { ...key, ...costFields(space.build(text, settings, network)) };
}

function printReport(r: InspectReport): string {
  const lines = [
    ['space', r.space],
    ...(r.baseline ? [['baseline', r.baseline]] : []),
    ...(r.canonical ? [['canonical', r.canonical]] : []),
    ...(r.hash ? [['hash', r.hash]] : []),
    ...(r.density !== undefined ? [['density', r.density.toFixed(4)]] : []),
    ...(r.layout
      ? [
          [
            'layout',
            `stem ${r.layout.stem}, widths ${r.layout.widths.join(',')}, strides ${r.layout.strides.join(',')}, blocks ${r.layout.blocks.join(',')}`,
          ],
        ]
      : []),
    ['input', `[${r.inputShape.join(', ')}]`],
    ['output', `[${r.outputShape.join(', ')}]`],
    ['nodes', String(r.nodes)],
    ['params', r.params.toLocaleString('en-US')],
    ['flops', `${r.flops.toLocaleString('en-US')} multiply-adds (${(r.flops / 1e6).toFixed(2)} M)`],
  ];
  return lines.map(([k, v]) => `${k!.padEnd(10)} ${v}`).join('\n');
}

export function registerInspect(program: Command): void {
  const command = program
    .command('inspect')
    .description('validate an architecture and print its canonical form, hash, density, parameters and FLOPs')
    .argument('[code]', 'NSC code (text or file), or a NAS-Bench-201 arch string with --space nasbench201')
    .option('--space <space>', `search space of [code]: ${searchSpaces.list().join(' | ')}`, 'nsc')
    .option('--ir <file>', 'inspect an IR JSON file instead')
    .option('--baseline <name>', 'inspect a hand-designed baseline by name (e.g. resnet-50, se-resnet-20-cifar)')
    .option('--input <HxWxC>', "input shape (default 32x32x3; a baseline's own default for --baseline)", imageShape)
    .option('--classes <K>', "number of classes (default 10; a baseline's own default for --baseline)", positiveInt('--classes'))
    .option('--blocks <N|list>', 'NSC: blocks per stage (default 4; with a layout, one number or one per stage)', blockCounts('--blocks'))
    .option('--base-filters <F>', 'NSC: width of the first stage (default 32)', positiveInt('--base-filters'))
    .option('--stages <S>', 'NSC: number of stages (default 3)', positiveInt('--stages'))
    .option('--max-index <M>', 'NSC: maximum layer index (default 23)', positiveInt('--max-index'))
    .option('--nsc-types <list>', 'NSC: optional layer types the code may use, comma-separated: se (8), dpp (9)', (v: string) =>
      v
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    )
    .option('--downsample <name>', 'NSC: layer between stages: maxpool (default) | avgpool | dpp-lite-s3-sym ...')
    .option('--json', 'print machine-readable JSON');
  addLayoutOptions(command, false);
  command.action((code: string | undefined, o: InspectOptions) => {
    const report = inspect(code, o);
    process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : `${printReport(report)}\n`);
  });
}
