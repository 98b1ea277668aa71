/**
 * The store's vocabulary: statuses, the records it returns and the inputs it
 * accepts, with the zod schemas that check inputs on the way in and JSON
 * columns on the way out. No Prisma type appears here, so the rest of the
 * system depends on these names only.
 */
import { CANCELLED, RECORDED_STATUSES, type RecordedStatus } from '../common/statuses.js';
import { z } from 'zod';
import type { NetworkIr } from '../search-space/index.js';
import { type SampleGrid, sampleGridSchema } from '../common/sample-grid.js';

export const RUN_STATUSES = ['pending', 'running', 'stopping', 'stopped', 'paused', 'finished', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const CANDIDATE_STATUSES = ['queued', 'running', ...RECORDED_STATUSES, CANCELLED] as const;
export type CandidateStatus = (typeof CANDIDATE_STATUSES)[number];

/**
 * Outcomes of an evaluation: a candidate in one of these has its result and never gets another (common/statuses.ts).
 * `pruned`: the run's pruner stopped its training at an epoch end; its curve holds the epochs it trained and its
 * accuracy is the last of them (what a strategy learns from it: src/orchestrator/pruned-result.ts).
 */
export const RESULT_STATUSES = RECORDED_STATUSES;
export type ResultStatus = RecordedStatus;

/** Statuses that still accept a result. A cancelled job may still finish, and its result is worth keeping. */
export const OPEN_STATUSES = ['queued', 'running', CANCELLED] as const;
export type OpenStatus = (typeof OPEN_STATUSES)[number];

/** Results that do not depend on the machine that produced them, so other runs may reuse them. */
export const CACHEABLE_STATUSES = ['ok', 'diverged'] as const;
export type CacheableStatus = (typeof CACHEABLE_STATUSES)[number];

export type JsonObject = { [key: string]: unknown };

/** One point of a training curve: epoch number plus numeric metrics (null where a value was not finite). */
export type CurvePoint = { [metric: string]: number | null };

export const runIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'run ids use 1-64 letters, digits, _ and -');
export const hashSchema = z.string().regex(/^[A-Za-z0-9_:.-]{1,128}$/, 'candidate hashes use 1-128 letters, digits, _ : . and -');
const finite = z.number().finite();
const nonNegative = z.number().finite().nonnegative();
const shortText = z.string().max(200);

export const jsonObjectSchema = z.record(z.string(), z.unknown());
/** Extra engine metrics of a result, by name (robust accuracy under FGSM, a table's report column, ...). */
export const metricsSchema = z
  .record(z.string().min(1).max(200), z.number().finite())
  .refine((m) => Object.keys(m).length <= 200, 'at most 200 metrics');

/** An image-to-image result's sample grid, the schema the queue contract carries it with. */
export { sampleGridSchema, type SampleGrid as SampleGridRecord };
export type CandidateMetrics = { [metric: string]: number };
export const curveSchema = z.array(z.record(z.string(), finite.nullable())).max(10_000);

export interface Run {
  id: string;
  name: string;
  status: RunStatus;
  strategy: string;
  engine: string;
  taskKey: string;
  seed: number;
  config: JsonObject;
  budget: { candidates: number | null; seconds: number | null };
  /** Candidates sampled so far (also the last sequence number handed out). */
  candidateCount: number;
  /** Results committed so far, in total and by outcome. */
  resultCount: number;
  resultsByStatus: Record<ResultStatus, number>;
  /** The candidate with the highest reward so far. */
  best: { candidateId: number; reward: number } | null;
  controllerId: string | null;
  heartbeatAt: Date | null;
  /** Seconds its search loop has run over all its sessions: a resumed run spends what is left of a time budget. */
  secondsSpent: number;
  error: string | null;
  createdAt: Date;
  /** Last change through createRun or updateRun (results and candidates do not touch it). */
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export const newRunSchema = z.strictObject({
  /** Chosen by the store when absent. */
  id: runIdSchema.optional(),
  name: z.string().min(1).max(200),
  strategy: z.string().min(1).max(64),
  engine: z.string().min(1).max(64),
  taskKey: z.string().min(1).max(10_000),
  seed: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  config: jsonObjectSchema,
  budget: z
    .strictObject({ candidates: z.number().int().positive().optional(), seconds: z.number().int().positive().optional() })
    .optional(),
  status: z.enum(RUN_STATUSES).optional(),
});
export type NewRun = z.input<typeof newRunSchema>;

export const runPatchSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  status: z.enum(RUN_STATUSES).optional(),
  budget: z
    .strictObject({
      candidates: z.number().int().positive().nullable().optional(),
      seconds: z.number().int().positive().nullable().optional(),
    })
    .optional(),
  controllerId: shortText.nullable().optional(),
  heartbeatAt: z.date().nullable().optional(),
  error: z.string().max(10_000).nullable().optional(),
  startedAt: z.date().nullable().optional(),
  finishedAt: z.date().nullable().optional(),
  secondsSpent: z.number().finite().nonnegative().optional(),
});
export type RunPatch = z.input<typeof runPatchSchema>;

export interface Candidate {
  id: number;
  runId: string;
  hash: string;
  sequence: number;
  nsc: string;
  flops: number;
  params: number;
  density: number;
  status: CandidateStatus;
  accuracy: number | null;
  reward: number | null;
  curve: CurvePoint[] | null;
  trainSeconds: number | null;
  evalSeconds: number | null;
  workerId: string | null;
  engine: string | null;
  attempts: number;
  error: string | null;
  fromCache: boolean;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Name of the hand-designed baseline this row is (e.g. `resnet-20-cifar`); null for candidates the strategy sampled. */
  baseline: string | null;
  /** Further numbers the engine reported (robust accuracy, a table's report column, ...), by metric name. */
  metrics: CandidateMetrics | null;
}

/** A candidate with its network IR, as {@link Store.getCandidate} returns it. */
export interface CandidateDetail extends Candidate {
  ir: NetworkIr | null;
}

export const newCandidateSchema = z.strictObject({
  hash: hashSchema,
  nsc: z.string().min(1).max(100_000),
  /** Checked by the caller (search-space); stored as JSON and validated when read back. */
  ir: z
    .custom<NetworkIr>((v) => typeof v === 'object' && v !== null)
    .nullable()
    .optional(),
  flops: nonNegative,
  params: nonNegative,
  density: nonNegative,
});
export type NewCandidate = z.input<typeof newCandidateSchema>;

/** Baseline names as stored in Candidate.baseline: the baseline registry's names. */
export const baselineNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'baseline names use lowercase letters, digits, . _ and -');

/**
 * A hand-designed baseline queued in a run: a candidate row with its name set,
 * a negative sequence (-1, -2, ...), outside the run's candidate count, result
 * counters, best candidate and controller snapshots.
 */
export const newBaselineSchema = newCandidateSchema.extend({ baseline: baselineNameSchema });
export type NewBaseline = z.input<typeof newBaselineSchema>;

/** Bookkeeping before a result: who runs it, how often it was tried, or that it was cancelled or requeued. */
export const candidatePatchSchema = z.strictObject({
  status: z.enum(OPEN_STATUSES).optional(),
  workerId: shortText.nullable().optional(),
  engine: z.string().max(64).nullable().optional(),
  attempts: z.number().int().nonnegative().optional(),
  startedAt: z.date().nullable().optional(),
});
export type CandidatePatch = z.input<typeof candidatePatchSchema>;

export const candidateResultSchema = z.strictObject({
  status: z.enum(RESULT_STATUSES),
  accuracy: finite.nullable().optional(),
  /** Shaped reward as the run's strategy computed it (not cached: shaping belongs to the run). */
  reward: finite.nullable().optional(),
  curve: curveSchema.nullable().optional(),
  trainSeconds: nonNegative.nullable().optional(),
  evalSeconds: nonNegative.nullable().optional(),
  workerId: shortText.nullable().optional(),
  engine: z.string().max(64).nullable().optional(),
  attempts: z.number().int().nonnegative().optional(),
  error: z.string().max(10_000).nullable().optional(),
  /** The result was copied from the cross-run cache rather than trained. */
  fromCache: z.boolean().optional(),
  /** When a worker took the job (Candidate.startedAt); left as it was when absent. */
  startedAt: z.date().optional(),
  finishedAt: z.date().optional(),
  /** Extra numbers the engine reported (EvaluateResult.extra), kept in Candidate.metrics. */
  metrics: metricsSchema.nullable().optional(),
  /** An image-to-image result's sample grid, kept in Candidate.samples (read with Store.candidateSamples). */
  samples: sampleGridSchema.nullable().optional(),
});
export type CandidateResult = z.input<typeof candidateResultSchema>;

/** `duplicate`: the candidate already had a result; nothing was written. */
export type CommitOutcome = 'committed' | 'duplicate';

export const CANDIDATE_SORT_KEYS = ['sequence', 'reward', 'accuracy', 'flops'] as const;
export type CandidateSortKey = (typeof CANDIDATE_SORT_KEYS)[number];

export const candidateQuerySchema = z.strictObject({
  /** Sorting by reward or accuracy lists only the candidates that have one. Default: sequence. */
  sort: z.enum(CANDIDATE_SORT_KEYS).default('sequence'),
  order: z.enum(['asc', 'desc']).default('asc'),
  status: z.union([z.enum(CANDIDATE_STATUSES), z.array(z.enum(CANDIDATE_STATUSES)).min(1)]).optional(),
  limit: z.number().int().min(1).max(1000).default(50),
  /** From a previous page's nextCursor; stable while rows are added. */
  cursor: z.string().max(1000).optional(),
  /** Rows to skip, for jumping to a page; cursors are cheaper on deep pages. */
  offset: z.number().int().nonnegative().max(10_000_000).optional(),
});
export type CandidateQuery = z.input<typeof candidateQuerySchema>;

export interface CandidatePage {
  items: Candidate[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
  /** Rows matching the filter and sort (all pages). */
  total: number;
}

export interface Snapshot {
  runId: string;
  sequence: number;
  /** Results the run had committed when the snapshot was written. */
  resultCount: number;
  state: unknown;
  createdAt: Date;
}

export interface CachedResult {
  taskKey: string;
  hash: string;
  status: CacheableStatus;
  accuracy: number | null;
  curve: CurvePoint[] | null;
  trainSeconds: number | null;
  evalSeconds: number | null;
  engine: string | null;
  workerId: string | null;
  sourceRunId: string;
  createdAt: Date;
  /** The engine's further numbers (a table's report column, ...): a run answered from the cache stores them too. */
  metrics: CandidateMetrics | null;
}

export interface RunEvent {
  id: number;
  runId: string;
  time: Date;
  kind: string;
  payload: JsonObject;
}

export const eventKindSchema = z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'event kinds are lowercase words like "run.started"');
