/**
 * The generative training port (issue #9, Part C): what both engines expose for the
 * image-to-image task family. An engine trains a set of role networks (generator,
 * discriminator, segmentor, …) with one of the shared procedures and returns the
 * outputs on the eval split; scoring them is the task's job (src/task/image2image/metrics.ts),
 * never the engine's, so the two engines are compared on the same numbers.
 *
 * Deviation from the shared spec, on purpose: the request's `task` and `examples` are
 * typed structurally here (`GenerativeTaskView`, `GenerativeExamples`) instead of
 * importing src/task/image2image's types, so this port compiles before that module
 * exists and keeps engines free of the task's zod schema. The task module's
 * `Image2ImageTask` and `ExampleSet` are assignable to them.
 *
 * @example
 * const outcome = await trainGenerative({ task, examples, networks: built.roles, seed: 1 }, signal, (p) => log(p.epoch, p.losses));
 * if (outcome.status === 'ok') scoreOutputs(task, examples, outcome.outputs!);
 */
import type { NetworkIr } from '../search-space/index.js';
import type { EvaluationStatus } from './engine.js';

/** The six procedures of the spec; the same names as src/task/image2image's GENERATIVE_PROCEDURES. */
export type GenerativeProcedure = 'pix2pix' | 'vunet' | 'stargan' | 'paired-cyclegan' | 'segan' | 'winn-synthesis';

/** The five problems of the spec; the same names as src/task/image2image's IMAGE2IMAGE_PROBLEMS. */
export type Image2ImageProblem =
  | 'amodal-completion'
  | 'domain-translation'
  | 'style-transfer'
  | 'shape-guided'
  | 'introspective-synthesis';

/** The recipe fields a procedure reads (generativeRecipeSchema's parsed output). */
export interface GenerativeRecipe {
  epochs: number;
  batchSize: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  /** Critic (discriminator) updates per generator update (WGAN-GP procedures). */
  criticSteps: number;
  lambda: { l1: number; cls: number; rec: number; gp: number; kl: number };
  /** VUNet latent size z. */
  latent: number;
  /** WINN synthesis: Langevin dynamics on the critic. */
  langevin: { steps: number; stepSize: number; noise: number };
  /** WINN synthesis: how many samples are drawn for the metric. */
  samples: number;
}

/** What an engine needs of an image-to-image task (a structural view of Image2ImageTask). */
export interface GenerativeTaskView {
  kind: 'image2image';
  problem: Image2ImageProblem;
  procedure: GenerativeProcedure;
  imageSize: number;
  recipe: GenerativeRecipe;
}

/** One named uint8 array of a split: images as bytes (0..255), labels as bytes. Shape has the batch axis first. */
export interface ExampleArray {
  shape: number[];
  data: Uint8Array;
}

export interface ExampleSplit {
  count: number;
  /** Array names per problem are the spec's: occluded/visible/fullMask/full, source/target/sourceDomain/targetDomain, … */
  arrays: Record<string, ExampleArray>;
}

/** A structural view of src/task/image2image's ExampleSet. */
export interface GenerativeExamples {
  problem: Image2ImageProblem;
  imageSize: number;
  /** Dataset channels C (1 grey, 3 RGB). */
  channels: number;
  /** Number of domains/styles/classes K the problem uses. */
  domains: number;
  train: ExampleSplit;
  eval: ExampleSplit;
}

export interface GenerativeRequest {
  task: GenerativeTaskView;
  examples: GenerativeExamples;
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

/**
 * Output names per problem, each Float32 in [0, 1], [N, S, S, ·] flattened over the eval split
 * (synthesis: `recipe.samples` samples):
 * amodal-completion → mask (probabilities, 1 channel), image; domain-translation → image, cycle;
 * style-transfer → applied, removed; shape-guided → image; introspective-synthesis → samples.
 */
export const GENERATIVE_OUTPUTS: Record<Image2ImageProblem, readonly string[]> = {
  'amodal-completion': ['mask', 'image'],
  'domain-translation': ['image', 'cycle'],
  'style-transfer': ['applied', 'removed'],
  'shape-guided': ['image'],
  'introspective-synthesis': ['samples'],
};

export interface GenerativeOutcome {
  /** `diverged` when any loss went non-finite (never a silent zero); `too_large` out of memory; `failed` an error. */
  status: EvaluationStatus;
  /** Present when status is ok: GENERATIVE_OUTPUTS[problem] → Float32Array. */
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
