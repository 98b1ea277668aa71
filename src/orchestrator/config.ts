/**
 * A search run's configuration: validated once when the run is created (from a
 * config file and flags), stored with the run, and read back on resume, so a
 * resumed run continues with exactly the settings it started with.
 */
import { z } from 'zod';
import { ErrorCode } from '../common/errors.js';
import { parseWith } from '../common/parse.js';
import { DOWNSAMPLING_NAMES, EXTRA_LAYER_TYPE_NAMES, searchSpaces } from '../search-space/index.js';
import { trainingTaskSchema } from '../task/task.js';

const positiveInt = z.number().int().positive();

/**
 * A run's budget: candidates, seconds, or both. Strict, because a budget
 * written wrongly (`"budget": 3`, `{}`, a misspelt key) must be refused, not
 * replaced by the default: it decides how much the run spends.
 */
export const budgetSchema = z
  .strictObject(
    { candidates: z.number().int().nonnegative().optional(), seconds: positiveInt.optional() },
    {
      error: (issue) => (issue.code === 'invalid_type' ? 'the budget is an object: {"candidates": N}, {"seconds": S} or both' : undefined),
    },
  )
  .refine((b) => b.candidates !== undefined || b.seconds !== undefined, 'give a candidate budget, a time budget, or both');

/** What to write instead of a wrong budget, for the errors that refuse one. */
export const BUDGET_HINT = 'write "budget": {"candidates": 10}, {"seconds": 3600} or {"candidates": 10, "seconds": 3600}';

export const searchConfigSchema = z.strictObject({
  name: z.string().min(1).max(200).default('search'),
  /** Search space: BlockQNN blocks (nsc) or NAS-Bench-201 cells (nasbench201). */
  space: z
    .string()
    .refine((name) => searchSpaces.has(name), { message: `unknown search space (valid: ${searchSpaces.list().join(', ')})` })
    .default('nsc'),
  strategy: z.string().min(1).max(64),
  /** Strategy-specific settings (epsilon schedule, replay size, predictor, ...). */
  strategyOptions: z.record(z.string(), z.unknown()).default({}),
  engine: z.string().min(1).max(64),
  task: trainingTaskSchema,
  /** Key of everything but the architecture that determines a result (see task.ts `taskKey`). */
  taskKey: z.string().min(1),
  /** NSC: the network the block is assembled into. */
  network: z.strictObject({
    inputShape: z.tuple([positiveInt, positiveInt, positiveInt]),
    classes: positiveInt,
    blocksPerStage: positiveInt.default(1),
    baseFilters: positiveInt.default(16),
    stages: positiveInt.default(2),
    /** Layer between stages: maxpool (the paper's, when absent), avgpool or a DPP variant (dpp-lite-s3-sym, ...). */
    downsample: z.enum(DOWNSAMPLING_NAMES).optional(),
  }),
  maxIndex: z.number().int().min(2).max(64).default(23),
  /** NSC: optional layer types the search may use besides the paper's (8 se, 9 dpp); none by default. */
  nscTypes: z
    .array(z.enum(EXTRA_LAYER_TYPE_NAMES as [string, ...string[]]))
    .max(EXTRA_LAYER_TYPE_NAMES.length)
    .default([]),
  /** A candidate budget of 0 evaluates only the baselines (`blockqnn baseline`). */
  budget: budgetSchema,
  /** Candidates queued at once; keep it above the number of worker slots so none idles. */
  maxInFlight: positiveInt.max(100_000).default(8),
  seed: z
    .number()
    .int()
    .nonnegative()
    .max(2 ** 32 - 1)
    .default(0),
  reward: z
    .strictObject({ mu: z.number().min(0).optional(), rho: z.number().min(0).optional(), flopsUnit: z.number().positive().optional() })
    .default({}),
  /** Per-job time limit in seconds. */
  timeLimitSeconds: z.number().positive().default(3600),
  /**
   * Results in a row failing for the same environmental cause (a dataset missing on the workers, an engine that
   * cannot run there, a full disk: common/failure-causes.ts) after which the run pauses with that reason instead
   * of spending its budget; `blockqnn resume` continues once it is fixed. 0: never pause.
   */
  pauseAfterFailures: z.number().int().nonnegative().max(10_000).default(3),
  /** Reuse results of earlier runs with the same task key and engine. */
  reuseResults: z.boolean().default(true),
  /**
   * Hand-designed baselines evaluated beside the search (never told to the strategy,
   * outside the budget): registry names, or `all` (expanded by prepareConfig), and the
   * proxy width of the whole-network ones (see orchestrator/baselines.ts).
   */
  baselines: z
    .strictObject({ names: z.array(z.string().min(1).max(100)).max(500).default([]), width: z.number().positive().max(16).default(1) })
    .default({ names: [], width: 1 }),
  /**
   * The pruner that stops hopeless candidates at epoch ends (src/controller/pruners), with its options;
   * prepareConfig fills every option in (normalizePrunerSpec), so the stored run, and every job it queues,
   * carries the exact options it started with. Runs stored before pruners read back as `none`.
   */
  pruner: z
    .strictObject({ name: z.string().min(1).max(64), options: z.record(z.string().max(64), z.number()).default({}) })
    .default({ name: 'none', options: {} }),
});

export type SearchConfig = z.infer<typeof searchConfigSchema>;
export type SearchConfigInput = z.input<typeof searchConfigSchema>;

export function parseSearchConfig(value: unknown, source = 'search config'): SearchConfig {
  return parseWith(searchConfigSchema, value, { what: source, code: ErrorCode.INVALID_CONFIG, showValues: true });
}
