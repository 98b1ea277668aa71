/**
 * A training task: what data a candidate is trained on and with which recipe.
 * It travels inside queue jobs, so it is a zod schema; engines must implement
 * the recipe identically so rewards are comparable across workers.
 *
 * The default recipe is BlockQNN's early-stop proxy (Zhong et al., CVPR 2018,
 * Sec. 4.2): 12 epochs, Adam with learning rate 1e-3 multiplied by 0.2 every 5
 * epochs, accuracy on a fixed validation split.
 */
import { z } from 'zod';
import { ErrorCode } from '../common/errors.js';
import { parseWith } from '../common/parse.js';
import { datasetSpecSchema } from '../datasets/spec.js';
import { image2imageTaskSchema } from './image2image/schema.js';
import { introspectiveRecipeFields } from './introspective.js';

export const recipeSchema = z.strictObject({
  epochs: z.number().int().positive().max(1000).default(12),
  batchSize: z.number().int().positive().max(65536).default(128),
  optimizer: z.enum(['adam', 'sgd']).default('adam'),
  learningRate: z.number().positive().max(10).default(1e-3),
  /**
   * How the learning rate moves over the epochs: `step` multiplies it by `lrDecay.factor` every
   * `lrDecay.every` epochs (the early-stop recipe); `cosine` follows half a cosine from the
   * initial rate towards zero (the final training's schedule; `lrDecay` is then unused).
   */
  lrSchedule: z.enum(['step', 'cosine']).default('step'),
  /** Multiply the learning rate by `factor` every `every` epochs. */
  lrDecay: z.strictObject({ factor: z.number().gt(0).max(1), every: z.number().int().positive() }).default({ factor: 0.2, every: 5 }),
  momentum: z.number().min(0).lt(1).default(0.9),
  weightDecay: z.number().min(0).max(1).default(0),
  /** Random crop with 4-pixel padding plus horizontal flip (flip off for digit datasets). */
  augmentation: z.enum(['none', 'crop', 'crop-flip']).default('none'),
  /** WINN training and FGSM evaluation (introspective.ts); absent = plain training, no robustness metrics. */
  ...introspectiveRecipeFields,
});

export const classificationTaskSchema = z.strictObject({
  kind: z.literal('classification'),
  /** Portable dataset description (no paths: each worker host finds its own files). */
  dataset: datasetSpecSchema,
  recipe: recipeSchema,
  /**
   * The user's training script of the `script` engine, named by its sha-256 only (never a path
   * or code: each worker runs its own copy, given with `--trainer`, and refuses a different one).
   * Part of the task, so results are reused only between runs of the same trainer.
   */
  trainer: z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a sha-256 is 64 lowercase hex digits') }).optional(),
});

/**
 * Evaluation by lookup in a benchmark table (NAS-Bench-201 style): no training,
 * the candidate's key is looked up and the fitness column is its accuracy.
 */
export const lookupTaskSchema = z.strictObject({
  kind: z.literal('lookup'),
  /** Path of the CSV table on the worker's host. */
  table: z.string().min(1).max(4096),
  keyColumn: z.string().max(200).optional(),
  /** Column the search sees, in percent or [0, 1]; it is reported as accuracy in [0, 1]. */
  fitness: z.string().min(1).max(200),
  /** Column recorded beside it (what the found candidate is finally worth). */
  report: z.string().max(200).optional(),
  /** Simulated training time per candidate in milliseconds (for scaling benchmarks). */
  delayMs: z.number().int().nonnegative().max(3_600_000).default(0),
});

/** The three families: classification (accuracy), lookup in a benchmark table, image-to-image (image2image/, a task metric as the score). */
export const trainingTaskSchema = z.discriminatedUnion('kind', [classificationTaskSchema, lookupTaskSchema, image2imageTaskSchema]);

export type Recipe = z.infer<typeof recipeSchema>;
export type TrainingTask = z.infer<typeof trainingTaskSchema>;
export type ClassificationTask = z.infer<typeof classificationTaskSchema>;
export type LookupTask = z.infer<typeof lookupTaskSchema>;
export type { Image2ImageTask } from './image2image/schema.js';
export type TrainingTaskInput = z.input<typeof trainingTaskSchema>;

/**
 * Learning rate of an epoch (0-based), set once at the start of the epoch by both engines
 * (recipe.py's learning_rate_at is the same formula):
 * - step: learningRate × factor^⌊epoch / every⌋;
 * - cosine: learningRate × (1 + cos(π · epoch / epochs)) / 2, so the first epoch trains at the
 *   full rate and the last at a small fraction of it (Loshchilov & Hutter's SGDR without restarts).
 */
export function learningRateAt(recipe: Recipe, epoch: number): number {
  if (recipe.lrSchedule === 'cosine') return (recipe.learningRate * (1 + Math.cos((Math.PI * epoch) / recipe.epochs))) / 2;
  return recipe.learningRate * recipe.lrDecay.factor ** Math.floor(epoch / recipe.lrDecay.every);
}

/** Parses a task, defaults filled in; errors name the field. */
export function parseTask(value: unknown): TrainingTask {
  return parseWith(trainingTaskSchema, value, { what: 'training task', code: ErrorCode.INVALID_CONFIG });
}

/**
 * A stable key of everything that determines a result besides the architecture:
 * results are reusable across runs exactly when their task keys are equal.
 * `network` is what turns a candidate into a network besides the candidate
 * itself (for BlockQNN blocks: stages, blocks per stage, widths, downsampling),
 * because a block's hash names the block, not the network built around it.
 */
export function taskKey(task: TrainingTask, engine: string, network?: Record<string, unknown>): string {
  const canonical = (value: unknown): unknown =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(
          Object.entries(value as Record<string, unknown>)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => [k, canonical(v)]),
        )
      : value;
  const key = `${engine}:${JSON.stringify(canonical(task))}`;
  return network === undefined ? key : `${key}|network:${JSON.stringify(canonical(network))}`;
}
