/**
 * Choosing what to export from a store, through a narrow read port that the
 * store satisfies structurally (export does not import the store): a run's best
 * candidate (highest reward among finished, non-baseline ones), its top K, or
 * one candidate by hash or sequence number; and its weights — a given
 * checkpoint file, else the newest `ok` final training that kept one. Weights
 * from a final training come with that training's IR (the found block at its
 * final widths), which is then the network exported.
 */
import path from 'node:path';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import {
  type Checkpoint,
  assertCheckpointMatches,
  dataDirectory,
  irDigest,
  loadCheckpoint,
  resolveCheckpointFile,
} from '../engines/checkpoint.js';
import {
  type CheckedIr,
  type LayoutFlags,
  type NetworkIr,
  hasLayoutFlags,
  parseIr,
  rebuildWithLayout,
  sameLayout,
} from '../search-space/index.js';
import type { ExportCandidate, ExportRun, ExportSubject, ExportTraining } from './subject.js';

type CandidateRow = ExportCandidate & { runId: string };

export interface ExportReads {
  getRun(runId: string): Promise<ExportRun>;
  getCandidate(runId: string, hash: string): Promise<(CandidateRow & { ir: NetworkIr | null }) | null>;
  bestCandidates(runId: string, options: { by: 'reward'; limit: number }): Promise<CandidateRow[]>;
  listCandidates(
    runId: string,
    query: { sort: 'sequence'; order: 'asc'; offset: number; limit: number },
  ): Promise<{ items: CandidateRow[] }>;
  /** Final trainings; absent in stores without them. */
  readonly trainings?: {
    /** The folder a stored bare checkpoint name is in (null: none configured). */
    readonly checkpointDir: string | null;
    latestCheckpoint(candidateId: number): Promise<(ExportTraining & { checkpointPath: string | null }) | null>;
    get(id: number): Promise<ExportTraining & { ir: NetworkIr }>;
  };
}

export type Selection = { best: true } | { candidate: string } | { top: number };

export interface SelectOptions {
  runId: string;
  selection: Selection;
  /** Look up weights (formats that carry them). */
  weights: boolean;
  /** A checkpoint file given by the user, used instead of the final trainings. */
  weightsFile?: string;
  /**
   * Stack the block into this layout (e.g. `{ layout: 'imagenet' }`) instead of
   * exporting the stored network; weights come only from a final training that
   * used the same layout (or a --weights file that fits).
   */
  layout?: LayoutFlags;
  /** Where legacy relative checkpoint paths (with folders) of trainings live; default $BLOCKQNN_DATA_DIR or ./.blockqnn. */
  dataDir?: string;
}

const usable = (c: CandidateRow) => c.status === 'ok' && c.baseline === null;

async function pickCandidates(reads: ExportReads, runId: string, selection: Selection): Promise<CandidateRow[]> {
  if ('candidate' in selection) {
    const id = selection.candidate.trim();
    let hash = id;
    if (/^#?\d+$/.test(id)) {
      const sequence = Number(id.replace('#', ''));
      const [row] =
        sequence >= 1 ? (await reads.listCandidates(runId, { sort: 'sequence', order: 'asc', offset: sequence - 1, limit: 1 })).items : [];
      if (!row || row.sequence !== sequence) throw unknownCandidate(runId, id);
      hash = row.hash;
    }
    const found = await reads.getCandidate(runId, hash);
    if (!found) throw unknownCandidate(runId, id);
    return [found];
  }
  const k = 'top' in selection ? selection.top : 1;
  if (!Number.isInteger(k) || k < 1 || k > 100)
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `--top ${k}: give a whole number from 1 to 100`);
  const best = (await reads.bestCandidates(runId, { by: 'reward', limit: Math.min(1000, k + 50) })).filter(usable).slice(0, k);
  if (best.length === 0)
    throw new BlockqnnError(ErrorCode.NOT_FOUND, `run ${runId} has no finished candidate yet`, {
      hint: `wait for results (blockqnn status ${runId}) or pick one with --candidate HASH`,
    });
  return best;
}

const unknownCandidate = (runId: string, id: string) =>
  new BlockqnnError(ErrorCode.NOT_FOUND, `run ${runId} has no candidate ${id}`, {
    hint: `give a candidate hash or sequence number of this run (blockqnn status ${runId}, or the dashboard's candidate table)`,
  });

function checkedIr(ir: NetworkIr | null | undefined, what: string): CheckedIr {
  if (!ir) throw new BlockqnnError(ErrorCode.NOT_FOUND, `${what} has no stored network IR`, { hint: 'export another candidate' });
  return parseIr(ir);
}

interface Weights {
  checked: CheckedIr;
  training: ExportTraining | null;
  weights: { checkpoint: Checkpoint; source: string };
}

async function trainedWeights(reads: ExportReads, candidate: CandidateRow, dataDir: string): Promise<Weights | null> {
  const latest = await reads.trainings?.latestCheckpoint(candidate.id);
  if (!latest?.checkpointPath) return null;
  const training = await reads.trainings!.get(latest.id);
  const file = resolveCheckpointFile(latest.checkpointPath, reads.trainings!.checkpointDir, dataDir);
  const checkpoint = await loadCheckpoint(file);
  const checked = checkedIr(training.ir, `training ${latest.id}`);
  assertCheckpointMatches(checkpoint, checked.ir, file);
  const { id, engine, seed, accuracy, config } = training;
  return { checked, training: { id, engine, seed, accuracy, config }, weights: { checkpoint, source: `training ${latest.id} (${file})` } };
}

async function fileWeights(reads: ExportReads, candidate: CandidateRow, ir: CheckedIr, file: string): Promise<Weights> {
  const checkpoint = await loadCheckpoint(file);
  const source = path.resolve(file);
  if (checkpoint.metadata.ir === irDigest(ir.ir)) return { checked: ir, training: null, weights: { checkpoint, source } };
  // A checkpoint of a final training is for the widened network: find which training's IR it fits.
  const latest = await reads.trainings?.latestCheckpoint(candidate.id);
  if (latest) {
    const training = await reads.trainings!.get(latest.id);
    if (checkpoint.metadata.ir === irDigest(training.ir)) {
      const { id, engine, seed, accuracy, config } = training;
      return {
        checked: checkedIr(training.ir, `training ${id}`),
        training: { id, engine, seed, accuracy, config },
        weights: { checkpoint, source },
      };
    }
  }
  assertCheckpointMatches(checkpoint, ir.ir, file);
  throw new BlockqnnError(ErrorCode.INTERNAL, 'unreachable');
}

function relayoutOf(config: Readonly<Record<string, unknown>>, row: CandidateRow, flags: LayoutFlags) {
  if (row.baseline !== null) {
    throw new BlockqnnError(
      ErrorCode.INVALID_INPUT,
      `candidate ${row.hash} is baseline ${row.baseline}, a whole network; a layout stacks a found block`,
      { hint: 'export a searched candidate with --layout, or this one without it' },
    );
  }
  return rebuildWithLayout(config, row.nsc, flags, `candidate ${row.hash}`);
}

/** The subjects to export, in rank order, with their weights where the format takes some. */
export async function selectSubjects(reads: ExportReads, options: SelectOptions): Promise<ExportSubject[]> {
  const run = await reads.getRun(options.runId);
  const rows = await pickCandidates(reads, options.runId, options.selection);
  const dataDir = options.dataDir ?? dataDirectory();
  const subjects: ExportSubject[] = [];
  for (const row of rows) {
    const detail = 'ir' in row ? (row as CandidateRow & { ir: NetworkIr | null }) : await reads.getCandidate(options.runId, row.hash);
    const relayout = options.layout && hasLayoutFlags(options.layout) ? relayoutOf(run.config, row, options.layout) : null;
    const checked = relayout?.checked ?? checkedIr(detail?.ir, `candidate ${row.hash}`);
    const candidate: ExportCandidate = {
      id: row.id,
      hash: row.hash,
      sequence: row.sequence,
      nsc: row.nsc,
      status: row.status,
      accuracy: row.accuracy,
      reward: row.reward,
      flops: row.flops,
      params: row.params,
      density: row.density,
      metrics: row.metrics ?? null,
      baseline: row.baseline ?? null,
    };
    const base = {
      run: {
        id: run.id,
        name: run.name,
        seed: run.seed,
        engine: run.engine,
        strategy: run.strategy,
        taskKey: run.taskKey,
        config: run.config,
      },
      candidate,
    };
    let found: Weights | null = null;
    if (options.weightsFile) found = await fileWeights(reads, row, checked, options.weightsFile);
    else if (options.weights) {
      found = await trainedWeights(reads, row, dataDir);
      // A final training in another layout trained another network: its weights do not belong to this one.
      if (found && relayout && !sameLayout(found.training?.config.layout, relayout.layout)) found = null;
    }
    const layout = relayout ? { layout: relayout.layout } : {};
    subjects.push(found ? { ...base, ...found, ...layout } : { ...base, checked, training: null, weights: null, ...layout });
  }
  return subjects;
}
