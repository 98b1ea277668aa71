/**
 * The generative training port (issue #9, Part C): what both engines expose for the
 * image-to-image task family. An engine trains a set of role networks (generator,
 * discriminator, segmentor, …) with one of the shared procedures and returns the
 * outputs on the eval split; scoring them is the task's job (src/task/image2image/metrics.ts),
 * never the engine's, so the two engines are compared on the same numbers.
 *
 * The task, its recipe and the example set are src/task/image2image's types (schema.ts);
 * the names of the outputs per problem are its PROBLEM_OUTPUTS.
 *
 * @example
 * const outcome = await trainGenerative({ task, examples, networks: built.roles, seed: 1 }, signal, (p) => log(p.epoch, p.losses));
 * if (outcome.status === 'ok') scoreOutputs(task, examples, outcome.outputs!);
 */
import type { NetworkIr } from '../search-space/index.js';
import type { ExampleSet, GenerativeProcedure, GenerativeRecipe, Image2ImageProblem, Image2ImageTask } from '../task/image2image/schema.js';
import type { EvaluationStatus } from './engine.js';

export type { ExampleSet, GenerativeProcedure, GenerativeRecipe, Image2ImageProblem, Image2ImageTask };
export type { ExampleArray, ExampleSplit } from '../task/image2image/schema.js';

export interface GenerativeRequest {
  task: Image2ImageTask;
  examples: ExampleSet;
  /** Role name → network (the roles of src/search-space/baselines/generative for the task's procedure). */
  networks: Record<string, NetworkIr>;
  seed: number;
}

/** One epoch of a generative training: the mean of each loss term over the epoch's steps. */
export interface GenerativeEpochRecord {
  epoch: number;
  /** e.g. { g: …, d: …, l1: …, gp: … }; names are the procedure's own and documented there. */
  losses: Record<string, number>;
  seconds: number;
}

export interface GenerativeProgress extends GenerativeEpochRecord {
  epochs: number;
}

export interface GenerativeOutcome {
  /** `diverged` when any loss went non-finite (never a silent zero); `too_large` out of memory; `failed` an error. */
  status: EvaluationStatus;
  /** Present when status is ok: PROBLEM_OUTPUTS(problem, C) names → Float32 in [0, 1], [N, S, S, ·] flattened over the eval split. */
  outputs?: Record<string, Float32Array> | undefined;
  curve: GenerativeEpochRecord[];
  trainSeconds: number;
  error?: string | undefined;
}

/** What each engine implements: trains in process (tfjs) or through its Python child (torch). */
export type TrainGenerative = (
  request: GenerativeRequest,
  signal: AbortSignal,
  onProgress: (progress: GenerativeProgress) => void,
) => Promise<GenerativeOutcome>;
