/** `blockqnn export <run>`: write a found architecture (best, top K or one candidate) in a format users can take anywhere. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { type Selection, exportFromStore, exporters } from '../../export/index.js';
import { type ConnectionFlags, log, openStoreFrom, withDatabase } from '../context.js';
import { type LayoutOptionValues, addLayoutOptions, layoutFlagsOf } from '../layout-flags.js';

interface ExportFlags extends ConnectionFlags, LayoutOptionValues {
  best?: boolean;
  candidate?: string;
  top?: string;
  format: string;
  out: string;
  weights?: string;
  requireWeights?: boolean;
  force?: boolean;
}

export function selectionFrom(flags: Pick<ExportFlags, 'best' | 'candidate' | 'top'>): Selection {
  const given = [
    flags.best ? '--best' : null,
    flags.candidate !== undefined ? '--candidate' : null,
    flags.top !== undefined ? '--top' : null,
  ].filter(Boolean);
  if (given.length > 1)
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `give one of --best, --candidate and --top, not ${given.join(' and ')}`);
  if (flags.candidate !== undefined) return { candidate: flags.candidate };
  if (flags.top !== undefined) {
    const k = Number(flags.top);
    if (!/^\d+$/.test(flags.top) || k < 1 || k > 100)
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, `--top ${flags.top}: give a whole number from 1 to 100`);
    return { top: k };
  }
  return { best: true };
}

/** `12.3 kB`: a size people read at a glance. */
export function humanSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** One line per file written: its path in the folder, its size and what it is for (from the exporter). */
export async function exportSummary(dir: string, files: readonly string[], purposes: Readonly<Record<string, string>>): Promise<string[]> {
  const sizes = await Promise.all(files.map(async (f) => (await stat(path.join(dir, f))).size));
  const width = Math.max(...files.map((f) => f.length));
  return files.map((f, i) => `  ${f.padEnd(width)}  ${humanSize(sizes[i]!).padStart(8)}  ${purposes[path.basename(f)] ?? ''}`.trimEnd());
}

export function registerExport(program: Command): void {
  const formats = exporters().list();
  withDatabase(
    addLayoutOptions(
      program
        .command('export')
        .description(`export a found architecture: ${formats.join(', ')}`)
        .argument('<run>', 'run id')
        .option('--best', 'the candidate with the highest reward (default)')
        .option('--candidate <id>', 'one candidate: its hash or sequence number')
        .option('--top <k>', 'the K best candidates, one sub-folder each')
        .requiredOption('--format <format>', `one of ${formats.join(', ')}`)
        .requiredOption(
          '--out <dir>',
          'output folder (created; an existing non-empty one needs --force); inside $BLOCKQNN_EXPORT_ROOT when that is set',
        )
        .option('--weights <file>', "a checkpoint (.safetensors) to export instead of the newest final training's")
        .option('--require-weights', 'fail unless trained weights exist')
        .option('--force', 'replace an existing non-empty output folder (its mode is kept)'),
      true,
    ),
  ).action(async (runId: string, flags: ExportFlags) => {
    const selection = selectionFrom(flags);
    const store = await openStoreFrom(flags, { existing: true });
    try {
      const outcome = await exportFromStore(store, {
        runId,
        selection,
        format: flags.format,
        out: flags.out,
        force: flags.force ?? false,
        requireWeights: flags.requireWeights ?? false,
        ...(flags.weights ? { weightsFile: flags.weights } : {}),
        layout: layoutFlagsOf(flags),
      });
      const exporter = exporters().get(flags.format);
      for (const w of outcome.weights) {
        if (exporter.weights !== 'none')
          log(
            `${w.hash}: ${w.source ? `weights from ${w.source}` : 'no trained weights: fresh initialisation (train it with blockqnn train to export weights)'}`,
          );
      }
      log(`exported ${flags.format} to ${outcome.dir}:`);
      for (const line of await exportSummary(outcome.dir, outcome.files, exporter.files)) log(line);
      process.stdout.write(`${outcome.files.map((f) => `${outcome.dir}/${f}`).join('\n')}\n`);
    } finally {
      await store.close();
    }
  });
}
