/** Select from a store and export: what `blockqnn export` and the dashboard's export route both do. */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import type { LayoutFlags } from '../search-space/index.js';
import { exporters } from './registry.js';
import { type ExportOutcome, runExport } from './run-export.js';
import { type ExportReads, type Selection, selectSubjects } from './select.js';

export interface StoreExportOptions {
  runId: string;
  selection: Selection;
  format: string;
  out: string;
  weightsFile?: string;
  requireWeights?: boolean;
  force?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  dataDir?: string;
  /** Stack the block into another layout (see SelectOptions.layout). */
  layout?: LayoutFlags;
}

/**
 * @example
 * const outcome = await exportFromStore(store, { runId, selection: { best: true }, format: 'onnx', out: 'exports/best' });
 */
export async function exportFromStore(reads: ExportReads, options: StoreExportOptions): Promise<ExportOutcome> {
  const exporter = exporters().get(options.format);
  if (exporter.weights === 'none' && (options.weightsFile || options.requireWeights)) {
    throw new BlockqnnError(
      ErrorCode.INVALID_INPUT,
      `the ${exporter.format} format carries no weights, so --weights / --require-weights do not apply`,
      { hint: 'use pytorch, onnx or tfjs for trained weights' },
    );
  }
  const subjects = await selectSubjects(reads, {
    runId: options.runId,
    selection: options.selection,
    weights: exporter.weights !== 'none',
    ...(options.weightsFile ? { weightsFile: options.weightsFile } : {}),
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.layout ? { layout: options.layout } : {}),
  });
  return runExport({
    exporter,
    subjects,
    out: options.out,
    requireWeights: options.requireWeights ?? false,
    force: options.force ?? false,
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
}
