/**
 * Final trainings (`blockqnn train`): a found architecture — a run's candidate,
 * or a hand-designed baseline — trained to convergence with its own recipe and
 * kept with its test accuracy, curve and checkpoint path. A training row moves
 * queued → running → one result status (ok, diverged, too_large, failed) or
 * cancelled; a result is written once (a second commit is a `duplicate`), so a
 * result that is collected twice (the watching CLI and `blockqnn trainings`
 * racing) leaves one record.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { CHECKPOINT_DIR_ENV } from '../common/checkpoint-dir.js';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { networkIrSchema, type NetworkIr } from '../search-space/index.js';
import type { Db } from './db.js';
import type { DatabaseTarget } from './url.js';
import { parseInput, toJsonText } from './input.js';
import { type IrRebuild, withRecomputedIr } from './recomputed-ir.js';
import { readJson, toCandidateDetail } from './rows.js';
import { CANCELLED, RECORDED_STATUSES } from '../common/statuses.js';
import type { Training as TrainingRow } from './generated/sqlite/client.js';
import { type CandidateDetail, type CurvePoint, type JsonObject, curveSchema, jsonObjectSchema, runIdSchema } from './types.js';

export const TRAINING_STATUSES = ['queued', 'running', ...RECORDED_STATUSES, CANCELLED] as const;
export type TrainingStatus = (typeof TRAINING_STATUSES)[number];
/** Statuses that still accept a result. */
export const OPEN_TRAINING_STATUSES = ['queued', 'running'] as const;
export const TRAINING_RESULT_STATUSES = [...RECORDED_STATUSES, CANCELLED] as const;

export interface Training {
  id: number;
  runId: string | null;
  candidateId: number | null;
  baseline: string | null;
  status: TrainingStatus;
  engine: string;
  seed: number;
  /** The validated training configuration: task with recipe, network widening, time limit. */
  config: JsonObject;
  flops: number;
  params: number;
  /** Test accuracy after the last epoch. */
  accuracy: number | null;
  curve: CurvePoint[] | null;
  trainSeconds: number | null;
  evalSeconds: number | null;
  workerId: string | null;
  checkpointPath: string | null;
  metrics: Record<string, number> | null;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface TrainingDetail extends Training {
  ir: NetworkIr;
}

const finite = z.number().finite();
const nonNegative = finite.nonnegative();

export const newTrainingSchema = z
  .strictObject({
    runId: runIdSchema.nullable().default(null),
    candidateId: z.number().int().positive().nullable().default(null),
    baseline: z.string().min(1).max(100).nullable().default(null),
    engine: z.string().min(1).max(64),
    seed: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    config: jsonObjectSchema,
    ir: z.custom<NetworkIr>((v) => typeof v === 'object' && v !== null),
    flops: nonNegative,
    params: nonNegative,
  })
  .refine((t) => (t.candidateId === null) !== (t.baseline === null), 'a training is of a candidate or of a baseline, exactly one');
export type NewTraining = z.input<typeof newTrainingSchema>;

export const trainingResultSchema = z.strictObject({
  status: z.enum(TRAINING_RESULT_STATUSES),
  accuracy: finite.min(0).max(1).nullable().optional(),
  curve: curveSchema.nullable().optional(),
  trainSeconds: nonNegative.nullable().optional(),
  evalSeconds: nonNegative.nullable().optional(),
  workerId: z.string().max(200).nullable().optional(),
  checkpointPath: z.string().min(1).max(4096).nullable().optional(),
  metrics: z.record(z.string().min(1).max(200), finite).nullable().optional(),
  error: z.string().max(10_000).nullable().optional(),
});
export type TrainingResult = z.input<typeof trainingResultSchema>;

export const trainingQuerySchema = z.strictObject({
  status: z.union([z.enum(TRAINING_STATUSES), z.array(z.enum(TRAINING_STATUSES)).min(1)]).optional(),
  runId: runIdSchema.optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  offset: z.number().int().nonnegative().default(0),
});
export type TrainingQuery = z.input<typeof trainingQuerySchema>;

/**
 * The trainings part of the store.
 *
 * @example
 * const t = await store.trainings.create({ runId, candidateId: 7, engine: 'torch', seed: 0, config, ir, flops, params });
 * await store.trainings.markRunning(t.id, 'host:123:cpu0');
 * await store.trainings.commitResult(t.id, { status: 'ok', accuracy: 0.92, checkpointPath });
 */
export interface TrainingStore {
  /**
   * The folder of this store's final-training checkpoints, which a row's bare
   * `checkpointPath` name is relative to: `$BLOCKQNN_CHECKPOINT_DIR` when set,
   * else `<file>-checkpoints` beside a SQLite file; null for a PostgreSQL store
   * without one (collecting a checkpoint then asks for it).
   */
  readonly checkpointDir: string | null;
  create(training: NewTraining): Promise<TrainingDetail>;
  /** Throws NOT_FOUND for an unknown id. */
  get(id: number): Promise<TrainingDetail>;
  /** Newest first, without IRs. */
  list(query?: TrainingQuery): Promise<Training[]>;
  /** queued → running; a no-op once the training is running or finished. */
  markRunning(id: number, workerId: string | null): Promise<Training>;
  /** Writes the result once: `duplicate` (nothing written) when it already has one. */
  commitResult(id: number, result: TrainingResult): Promise<'committed' | 'duplicate'>;
  /** The newest `ok` training of a candidate that kept a checkpoint, or null. */
  latestCheckpoint(candidateId: number): Promise<Training | null>;
  /** A candidate by its numeric id (unique across runs), or null. */
  findCandidate(candidateId: number): Promise<CandidateDetail | null>;
}

export const trainingNotFound = (id: number): BlockqnnError =>
  new BlockqnnError(ErrorCode.NOT_FOUND, `no training ${id} in this database`, { hint: 'list the trainings with `blockqnn trainings`' });

const statusSchema = z.enum(TRAINING_STATUSES);
const metricsRowSchema = z.record(z.string(), z.number());

function toTraining(row: Omit<TrainingRow, 'ir'>): Training {
  const where = `Training ${row.id}`;
  const status = statusSchema.safeParse(row.status);
  if (!status.success) throw new BlockqnnError(ErrorCode.IO_ERROR, `corrupted row: ${where}.status is ${JSON.stringify(row.status)}`);
  return {
    id: row.id,
    runId: row.runId,
    candidateId: row.candidateId,
    baseline: row.baseline,
    status: status.data,
    engine: row.engine,
    seed: Number(row.seed),
    config: readJson(row.config, jsonObjectSchema, `${where}.config`),
    flops: row.flops,
    params: row.params,
    accuracy: row.accuracy,
    curve: row.curve === null ? null : readJson(row.curve, curveSchema, `${where}.curve`),
    trainSeconds: row.trainSeconds,
    evalSeconds: row.evalSeconds,
    workerId: row.workerId,
    checkpointPath: row.checkpointPath,
    metrics: row.metrics === null ? null : readJson(row.metrics, metricsRowSchema, `${where}.metrics`),
    error: row.error,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

function toDetail(row: TrainingRow): TrainingDetail {
  return { ...toTraining(row), ir: readJson(row.ir, networkIrSchema, `Training ${row.id}.ir`) };
}

/** Runs one database operation the way the owning store does (serialised on SQLite, errors mapped). */
export type Guard = <T>(action: string, work: () => Promise<T>) => Promise<T>;

const SUMMARY = { ir: false } as const;

/** Where a store keeps checkpoints (TrainingStore.checkpointDir): the given or configured folder, else beside a SQLite file. */
export function checkpointFolder(target: DatabaseTarget, given: string | undefined = process.env[CHECKPOINT_DIR_ENV]): string | null {
  if (given?.trim()) return resolve(given.trim());
  return target.provider === 'sqlite' ? `${target.path}-checkpoints` : null;
}

export class PrismaTrainingStore implements TrainingStore {
  constructor(
    private readonly db: Db,
    private readonly guard: Guard,
    readonly checkpointDir: string | null,
    private readonly rebuildIr?: IrRebuild,
  ) {}

  async create(input: NewTraining): Promise<TrainingDetail> {
    const t = parseInput(newTrainingSchema, input, 'training');
    const row = await this.guard('create a training', () =>
      this.db.training.create({
        data: {
          runId: t.runId,
          candidateId: t.candidateId,
          baseline: t.baseline,
          status: 'queued',
          engine: t.engine,
          seed: BigInt(t.seed),
          config: toJsonText(t.config, 'the training config'),
          ir: toJsonText(t.ir, 'the training IR'),
          flops: t.flops,
          params: t.params,
        },
      }),
    );
    return toDetail(row);
  }

  async get(id: number): Promise<TrainingDetail> {
    const row = await this.guard('read a training', () => this.db.training.findUnique({ where: { id } }));
    if (!row) throw trainingNotFound(id);
    return toDetail(row);
  }

  async list(query: TrainingQuery = {}): Promise<Training[]> {
    const q = parseInput(trainingQuerySchema, query, 'training query');
    const status = q.status === undefined ? undefined : { in: Array.isArray(q.status) ? q.status : [q.status] };
    const rows = await this.guard('list trainings', () =>
      this.db.training.findMany({
        where: { status, runId: q.runId },
        omit: SUMMARY,
        orderBy: { id: 'desc' },
        take: q.limit,
        skip: q.offset,
      }),
    );
    return rows.map(toTraining);
  }

  async markRunning(id: number, workerId: string | null): Promise<Training> {
    await this.guard('start a training', () =>
      this.db.training.updateMany({ where: { id, status: 'queued' }, data: { status: 'running', workerId, startedAt: new Date() } }),
    );
    return this.get(id);
  }

  async commitResult(id: number, result: TrainingResult): Promise<'committed' | 'duplicate'> {
    const r = parseInput(trainingResultSchema, result, 'training result');
    const { count } = await this.guard('commit a training result', () =>
      this.db.training.updateMany({
        where: { id, status: { in: [...OPEN_TRAINING_STATUSES] } },
        data: {
          status: r.status,
          accuracy: r.accuracy ?? null,
          curve: r.curve ? toJsonText(r.curve, 'the training curve') : null,
          trainSeconds: r.trainSeconds ?? null,
          evalSeconds: r.evalSeconds ?? null,
          ...(r.workerId !== undefined ? { workerId: r.workerId } : {}),
          checkpointPath: r.checkpointPath ?? null,
          metrics: r.metrics ? toJsonText(r.metrics, 'the training metrics') : null,
          error: r.error ?? null,
          finishedAt: new Date(),
        },
      }),
    );
    if (count === 1) return 'committed';
    await this.get(id); // NOT_FOUND for an unknown id
    return 'duplicate';
  }

  async latestCheckpoint(candidateId: number): Promise<Training | null> {
    const row = await this.guard('find a checkpoint', () =>
      this.db.training.findFirst({
        where: { candidateId, status: 'ok', checkpointPath: { not: null } },
        omit: SUMMARY,
        orderBy: { id: 'desc' },
      }),
    );
    return row ? toTraining(row) : null;
  }

  async findCandidate(candidateId: number): Promise<CandidateDetail | null> {
    return this.guard('read a candidate', async () => {
      const row = await this.db.candidate.findUnique({ where: { id: candidateId } });
      return row ? withRecomputedIr(this.db, toCandidateDetail(row), this.rebuildIr) : null;
    });
  }
}
