/**
 * The queue contract: what an `evaluate` job carries and what its result holds.
 * Both ends validate with these schemas — the controller before it enqueues, the
 * worker before it trains and the controller again when the result comes back —
 * so a malformed or foreign job is rejected with a named field instead of
 * crashing a process. Workers are stateless: the job carries everything they
 * need (IR, task, seed, engine), never a database handle or code. A lookup task
 * (the table engine) carries no IR: the engine reads the candidate key, and an
 * 18 KB network per job would cost more than the lookup itself.
 *
 * The same job trains a final model (`purpose: 'train'`, `blockqnn train`): then
 * `runId` is the training's scope `training-<id>` (cancel flags and job ids hang
 * off it as they do off a run), the accuracy is measured on `evaluateOn` (the
 * test split), and with `checkpoint` the worker hands the trained weights back
 * through Redis (see checkpoint-handoff.ts); the result names the key. Fields
 * added for trainings have defaults, so jobs written before them stay valid.
 */
import { EVALUATION_STATUSES } from '../common/statuses.js';
import { ENVIRONMENT_CAUSE_NAMES } from '../common/failure-causes.js';
import { z } from 'zod';
import { sampleGridSchema } from '../common/sample-grid.js';
import { parseWith } from '../common/parse.js';
import { normalizePrunerSpec } from '../controller/pruners/index.js';
import { networkIrSchema } from '../search-space/index.js';
import { trainingTaskSchema } from '../task/task.js';

export const JOB_CONTRACT = 'blockqnn/evaluate@1';
/** Redis keeps strings up to 512 MiB; a checkpoint must fit in one. */
export const MAX_CHECKPOINT_BYTES = 512 * 1024 * 1024;
/** Far above a BlockQNN network (a 4-blocks-per-stage CIFAR network at 64 filters is ~40 MB) and safe for Redis's memory. */
export const DEFAULT_CHECKPOINT_BYTES = 256 * 1024 * 1024;
export const RESULT_CONTRACT = 'blockqnn/result@1';

const runId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'run ids use letters, digits, _ and -');
const candidateHash = z.string().regex(/^[0-9a-f]{16,64}$/, 'candidate hashes are 16-64 lowercase hex digits');

export const evaluateJobSchema = z
  .strictObject({
    contract: z.literal(JOB_CONTRACT),
    runId,
    candidateHash,
    /** Key for lookup engines (a NAS-Bench-201 arch string, say). */
    candidateKey: z.string().max(2000).optional(),
    /** The network to train: required for classification tasks; a lookup task reads `candidateKey` and carries none. */
    ir: networkIrSchema.optional(),
    /**
     * An image-to-image task's role networks (generator, discriminator, segmentor, …: the procedure's roles,
     * src/search-space/baselines/generative); `ir` is then absent and the generator is the candidate.
     */
    networks: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,31}$/, 'role names are letters and digits'), networkIrSchema).optional(),
    task: trainingTaskSchema,
    /** Engine the run was started with: results from other engines are not comparable. */
    engine: z.string().min(1).max(64),
    seed: z.number().int().nonnegative(),
    /** A worker aborts the evaluation after this many seconds and reports `failed`. */
    timeLimitSeconds: z
      .number()
      .positive()
      .max(7 * 24 * 3600),
    /** `evaluate`: a search's early-stop evaluation; `train`: a final training (runId is then `training-<id>`). */
    purpose: z.enum(['evaluate', 'train']).default('evaluate'),
    /** Split the accuracy is measured on after every epoch. */
    evaluateOn: z.enum(['validation', 'test']).default('validation'),
    /** Hand the trained weights back (only when training ends ok): at most `maxBytes`, kept in Redis for `ttlSeconds`. */
    checkpoint: z
      .strictObject({
        maxBytes: z.number().int().positive().max(MAX_CHECKPOINT_BYTES).default(DEFAULT_CHECKPOINT_BYTES),
        ttlSeconds: z
          .number()
          .int()
          .positive()
          .max(30 * 24 * 3600)
          .default(7 * 24 * 3600),
      })
      .optional(),
    /**
     * The run's pruner (src/controller/pruners) with its options: at the end of each epoch where it can decide,
     * the worker records the validation accuracy on the run's pruning board (pruning-board.ts) and stops the
     * training when the pruner says so (status `pruned`). Absent: no pruning, so jobs written before pruners stay valid.
     */
    pruner: z.strictObject({ name: z.string().min(1).max(64), options: z.record(z.string().max(64), z.number()).default({}) }).optional(),
  })
  .superRefine((job, ctx) => {
    if (job.task.kind === 'classification' && job.ir === undefined)
      ctx.addIssue({ code: 'custom', path: ['ir'], message: 'a classification job needs the network IR' });
    if (job.task.kind === 'lookup' && job.candidateKey === undefined)
      ctx.addIssue({ code: 'custom', path: ['candidateKey'], message: 'a lookup job needs the candidate key' });
    if (job.task.kind === 'image2image' && (job.networks === undefined || Object.keys(job.networks).length === 0)) {
      ctx.addIssue({ code: 'custom', path: ['networks'], message: 'an image-to-image job needs its role networks' });
    }
    if (job.networks !== undefined && Object.keys(job.networks).length > 8)
      ctx.addIssue({ code: 'custom', path: ['networks'], message: 'at most 8 role networks' });
    if (job.pruner !== undefined) {
      if (job.task.kind !== 'classification' || job.purpose !== 'evaluate') {
        ctx.addIssue({ code: 'custom', path: ['pruner'], message: "only a search's classification evaluations are pruned" });
      } else {
        try {
          normalizePrunerSpec(job.pruner, job.task.recipe.epochs);
        } catch (error) {
          ctx.addIssue({ code: 'custom', path: ['pruner'], message: (error as Error).message });
        }
      }
    }
  });

/** Where a returned checkpoint waits for the controller: a Redis key next to the job, its size and digest. */
export const checkpointRefSchema = z.strictObject({
  key: z.string().min(1).max(500),
  bytes: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const epochRecordSchema = z.strictObject({
  epoch: z.number().int().nonnegative(),
  loss: z.number().nullable(),
  trainAccuracy: z.number().nullable(),
  valAccuracy: z.number().nullable(),
  learningRate: z.number(),
  seconds: z.number().nonnegative(),
});

/** `pruned`: stopped by the job's pruner at an epoch end; the curve and accuracy are those of the epochs it trained. */
export const evaluationStatusSchema = z.enum(EVALUATION_STATUSES);

export const evaluateResultSchema = z.strictObject({
  contract: z.literal(RESULT_CONTRACT),
  runId,
  candidateHash,
  status: evaluationStatusSchema,
  accuracy: z.number().min(0).max(1).nullable(),
  curve: z.array(epochRecordSchema).max(10_000),
  trainSeconds: z.number().nonnegative(),
  evalSeconds: z.number().nonnegative(),
  imagesPerSecond: z.number().nonnegative().nullable(),
  extra: z.record(z.string(), z.number()).optional(),
  error: z.string().max(4000).optional(),
  /** A failure the worker's host is at fault for, not the candidate (common/failure-causes.ts); absent from older workers. */
  cause: z.enum(ENVIRONMENT_CAUSE_NAMES).optional(),
  /** An image-to-image result's sample grid: a small PNG (base64) of eval inputs, outputs and targets, row labels top to bottom. */
  samples: sampleGridSchema.optional(),
  /** The trained weights waiting in Redis (a job with `checkpoint` that ended ok). */
  checkpoint: checkpointRefSchema.optional(),
  worker: z.strictObject({ id: z.string().max(200), host: z.string().max(255), pid: z.number().int() }),
  engine: z.strictObject({ name: z.string().max(64), description: z.string().max(500) }),
  attempt: z.number().int().positive(),
  /** When the worker took the job (ms since the epoch); the controller stores it as Candidate.startedAt. Absent from older workers. */
  startedAt: z.number().int().nonnegative().optional(),
  finishedAt: z.number().int().nonnegative(),
});

export type EvaluateJob = z.infer<typeof evaluateJobSchema>;
export type EvaluateJobInput = z.input<typeof evaluateJobSchema>;
export type EvaluateResult = z.infer<typeof evaluateResultSchema>;
export type CheckpointRef = z.infer<typeof checkpointRefSchema>;

export const parseEvaluateJob = (value: unknown): EvaluateJob =>
  parseWith(evaluateJobSchema, value, { what: 'evaluate job', verb: 'malformed' });
export const parseEvaluateResult = (value: unknown): EvaluateResult =>
  parseWith(evaluateResultSchema, value, { what: 'evaluation result', verb: 'malformed' });

/** Queue of an engine's jobs: a run's jobs only reach workers of the run's engine. */
export function evaluateQueueName(engine: string): string {
  return `evaluate-${engine}`;
}

/** One job per (run, candidate): BullMQ ignores a second add with the same id, so a candidate never trains twice. */
/**
 * The failure reason a worker gives a job a stopped run cancelled. The queue turns it into a `cancelled` report
 * (evaluation-queue.ts), so no reader above the queue looks at reason strings.
 */
export const CANCELLED_REASON = 'cancelled: the run was stopped';

export function evaluateJobId(runId: string, candidateHash: string): string {
  return `${runId}.${candidateHash}`;
}

/** The job scope (`runId` field) of a final training. */
export function trainingScope(trainingId: number): string {
  return `training-${trainingId}`;
}

export function parseJobId(jobId: string): { runId: string; candidateHash: string } | null {
  const m = /^([A-Za-z0-9_-]{1,64})\.([0-9a-f]{16,64})$/.exec(jobId);
  return m ? { runId: m[1]!, candidateHash: m[2]! } : null;
}
