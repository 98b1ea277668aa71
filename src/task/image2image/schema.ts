/**
 * The image-to-image task family (issue #9): five problems built from the classification
 * datasets, each solved by generative procedures whose outputs are scored by metrics.ts.
 * This module is the shared vocabulary: the task schema that travels in jobs, the recipe of
 * the generative procedures, the channel counts the networks need and the in-memory shape
 * of a set of examples. Pixels are [0, 1] floats outside networks (bytes / 255 in storage).
 *
 * Problems and the papers they stand for:
 * - `amodal-completion` — SeGAN (Ehsani et al., CVPR 2018): objects partly hidden by occluders;
 *   predict the full mask and paint the invisible part.
 * - `domain-translation` — StarGAN (Choi et al., CVPR 2018): synthetic attribute domains.
 * - `style-transfer` — PairedCycleGAN (Chang et al., CVPR 2018): apply a reference's style, remove it.
 * - `shape-guided` — Variational U-Net (Esser et al., CVPR 2018): shape of one item, appearance of another.
 * - `introspective-synthesis` — WINN (Lee et al., CVPR 2018): samples from the introspective critic.
 */
import { z } from 'zod';
import { ErrorCode } from '../../common/errors.js';
import { parseWith } from '../../common/parse.js';
import { datasetSpecSchema } from '../../datasets/spec.js';
import { GENERATIVE_PROCEDURE_NAMES, IMAGE2IMAGE_PROBLEM_NAMES, generatorChannels } from '../../search-space/baselines/generative/spec.js';

// The names and the generators' channels are the network builders' (search-space), so the task and the networks cannot drift apart.
export const IMAGE2IMAGE_PROBLEMS = IMAGE2IMAGE_PROBLEM_NAMES;
export type Image2ImageProblem = (typeof IMAGE2IMAGE_PROBLEMS)[number];

export const GENERATIVE_PROCEDURES = GENERATIVE_PROCEDURE_NAMES;
export type GenerativeProcedure = (typeof GENERATIVE_PROCEDURES)[number];

/** Which procedures make sense for each problem (pix2pix is the generic paired baseline and the searched generator's procedure). */
export const PROCEDURES_FOR_PROBLEM: Readonly<Record<Image2ImageProblem, readonly GenerativeProcedure[]>> = {
  'amodal-completion': ['pix2pix', 'segan'],
  'domain-translation': ['pix2pix', 'stargan'],
  'style-transfer': ['pix2pix', 'paired-cyclegan'],
  'shape-guided': ['pix2pix', 'vunet'],
  'introspective-synthesis': ['winn-synthesis'],
};

/** Synthetic domains of domain-translation: 0 thin strokes (erosion), 1 bold (dilation), 2 low contrast (grey) or colour tint (RGB). */
export const TRANSLATION_DOMAINS = 3;
/**
 * The second label set of domain-translation (task.secondDataset, StarGAN's multi-dataset training), on
 * the second dataset's images: 0 plain, 1 inverted (1 − x), 2 dim (0.5·x). Its domains follow the first
 * set's: global ids TRANSLATION_DOMAINS + d.
 */
export const SECOND_LABEL_SET_DOMAINS = 3;
/** Styles of style-transfer: 0 horizontal stripes, 1 vertical stripes, 2 dots, 3 checker (examples.ts draws them). */
export const STYLE_COUNT = 4;

/**
 * K of an example set: domains for translation, styles for style transfer, the dataset's
 * classes for synthesis (the frozen classifier's labels), 0 where the problem has none.
 */
export function domainsFor(problem: Image2ImageProblem, classes: number, labelSets = 1): number {
  if (problem === 'domain-translation') return TRANSLATION_DOMAINS + (labelSets > 1 ? SECOND_LABEL_SET_DOMAINS : 0);
  if (problem === 'style-transfer') return STYLE_COUNT;
  if (problem === 'introspective-synthesis') return classes;
  return 0;
}

const n = (field: string) => z.number({ error: `${field} must be a number` });
const int = (field: string, min: number, max: number) =>
  n(field)
    .int({ error: `${field} must be a whole number` })
    .min(min, { error: `${field} must be at least ${min}` })
    .max(max, { error: `${field} must be at most ${max}` });
const weight = (field: string, value: number) =>
  n(field)
    .min(0, { error: `${field} must be ≥ 0` })
    .max(10_000)
    .default(value);

/** Loss weights λ of the procedures (the papers' values, see the issue). */
export const lambdaSchema = z.strictObject({
  /** L1 reconstruction weight (pix2pix, SeGAN: 100). */
  l1: weight('lambda.l1', 100),
  /** Domain classification weight (StarGAN λ_cls = 1). */
  cls: weight('lambda.cls', 1),
  /** Cycle / reconstruction weight (StarGAN λ_rec = 10, PairedCycleGAN's cycle term). */
  rec: weight('lambda.rec', 10),
  /** Gradient penalty weight (WGAN-GP λ = 10; StarGAN, WINN). */
  gp: weight('lambda.gp', 10),
  /** KL weight of the Variational U-Net. */
  kl: weight('lambda.kl', 0.01),
});

export const langevinSchema = z.strictObject({
  /** Langevin steps per pseudo-negative refresh (WINN synthesis). */
  steps: int('langevin.steps', 1, 10_000).default(20),
  /** ε of Δx = (ε/2)·∇f(x) + η. 0.25: at 0.02 the samples stayed near their noise after 8 epochs (score 0.12 vs the mean image's 0.08; 0.45 at 0.25, torch, MNIST 16 px). */
  stepSize: n('langevin.stepSize').gt(0, { error: 'langevin.stepSize must be > 0' }).max(100).default(0.25),
  /** Standard deviation of η per pixel ([0, 1] pixels). */
  noise: n('langevin.noise').min(0, { error: 'langevin.noise must be ≥ 0' }).max(1).default(0.005),
  /**
   * Where the pseudo-negatives start (WINN synthesis): 'gaussian', the paper's N(0, 1) on its
   * [-1, 1] pixels, i.e. N(0.5, 0.5²) on ours, clipped to [0, 1]; or 'uniform' over [0, 1]
   * (this project's earlier start).
   */
  start: z.enum(['gaussian', 'uniform'], { error: "langevin.start must be 'gaussian' (the paper's) or 'uniform'" }).default('gaussian'),
});

/** PairedCycleGAN's options (the paper's procedure by default). */
export const pairedCycleGanSchema = z.strictObject({
  /**
   * Also fit both generators to the examples' synthetic ground truth, λ.l1·(‖G(x, y_B) − styled‖₁ + ‖F(styled) − x‖₁).
   * false (the paper's unpaired training): only the adversarial, identity and style losses train them.
   */
  pairedL1: z.boolean({ error: 'pairedCycleGan.pairedL1 must be true or false' }).default(false),
  /**
   * The paper's per-region generators: a generator and a remover for each region of REGION_MASKS (the object
   * and its background), composed by the region mask of the image each one edits. Needs a problem with region masks.
   */
  regions: z.boolean({ error: 'pairedCycleGan.regions must be true or false' }).default(false),
});

/**
 * The region masks a problem's examples hold ([N, S, S, 1], 255 inside the object), by the image array they
 * outline: PairedCycleGAN's per-region generators edit the object and the background of each image apart.
 */
export const REGION_MASKS: Readonly<Partial<Record<string, Readonly<Record<string, string>>>>> = {
  'style-transfer': { plain: 'plainRegion', styled: 'plainRegion', reference: 'referenceRegion' },
};

/** The training recipe shared by every generative procedure (both engines implement it identically). */
export const generativeRecipeSchema = z.strictObject({
  epochs: int('epochs', 1, 10_000).default(8),
  batchSize: int('batchSize', 1, 65_536).default(32),
  /** Adam for every network, pix2pix's settings. */
  learningRate: n('learningRate').gt(0, { error: 'learningRate must be > 0' }).max(10).default(2e-4),
  beta1: n('beta1').min(0).lt(1, { error: 'beta1 must be < 1' }).default(0.5),
  beta2: n('beta2').min(0).lt(1, { error: 'beta2 must be < 1' }).default(0.999),
  /** Critic (discriminator) updates per generator update. */
  criticSteps: int('criticSteps', 1, 100).default(1),
  lambda: lambdaSchema.prefault({}),
  /** Size of the Variational U-Net's latent z. */
  latent: int('latent', 1, 1024).default(8),
  langevin: langevinSchema.prefault({}),
  /** WINN samples drawn for the metric. */
  samples: int('samples', 2, 100_000).default(64),
  pairedCycleGan: pairedCycleGanSchema.prefault({}),
});

export const image2imageExamplesSchema = z.strictObject({
  train: int('examples.train', 1, 1_000_000).default(512),
  eval: int('examples.eval', 2, 1_000_000).default(128),
});

export const image2imageTaskSchema = z
  .strictObject({
    kind: z.literal('image2image'),
    problem: z.enum(IMAGE2IMAGE_PROBLEMS, { error: `problem must be one of ${IMAGE2IMAGE_PROBLEMS.join(', ')}` }),
    /** The images examples are made from (the dataset's training split, see examples.ts); its own imageSize is ignored. */
    dataset: datasetSpecSchema,
    /** H = W of every example; the source images are area-resized to it. */
    imageSize: int('imageSize', 8, 64).default(16),
    examples: image2imageExamplesSchema.prefault({}),
    procedure: z.enum(GENERATIVE_PROCEDURES, { error: `procedure must be one of ${GENERATIVE_PROCEDURES.join(', ')}` }),
    recipe: generativeRecipeSchema.prefault({}),
    /**
     * domain-translation only: a second dataset whose images carry a second label set (SECOND_LABEL_SET_DOMAINS),
     * so StarGAN trains on two label sets at once with its mask vector (examples.ts). Absent: one label set.
     */
    secondDataset: datasetSpecSchema.optional(),
  })
  .refine((task) => task.secondDataset === undefined || task.problem === 'domain-translation', {
    error: (issue) =>
      `secondDataset is a second label set for domain-translation (StarGAN's mask vector), not for ${(issue.input as { problem: string }).problem}`,
    path: ['secondDataset'],
  })
  .refine((task) => PROCEDURES_FOR_PROBLEM[task.problem].includes(task.procedure), {
    error: (issue) => {
      const task = issue.input as { problem: Image2ImageProblem; procedure: string };
      return `procedure ${task.procedure} does not solve ${task.problem}; use one of ${PROCEDURES_FOR_PROBLEM[task.problem].join(', ')}`;
    },
    path: ['procedure'],
  })
  .refine((task) => !task.recipe.pairedCycleGan.regions || REGION_MASKS[task.problem] !== undefined, {
    error: (issue) => {
      const task = issue.input as { problem: Image2ImageProblem };
      return (
        `baseline paired-cyclegan: recipe.pairedCycleGan.regions needs region masks, and ${task.problem} examples have none ` +
        `(${Object.keys(REGION_MASKS).join(', ')} have them); set regions to false, or use ${Object.keys(REGION_MASKS).join(', ')}`
      );
    },
    path: ['recipe', 'pairedCycleGan', 'regions'],
  });

export type GenerativeRecipe = z.infer<typeof generativeRecipeSchema>;
export type Image2ImageTask = z.infer<typeof image2imageTaskSchema>;
export type Image2ImageTaskInput = z.input<typeof image2imageTaskSchema>;

/**
 * Channels of the generic (pix2pix) generator's input and output per problem, C = dataset
 * channels, K = domains (the builders' generatorChannels; the order of the conditions is
 * documented there).
 */
export const PROBLEM_CHANNELS: (
  problem: Image2ImageProblem,
  datasetChannels: number,
  domains: number,
) => { input: number; target: number } = generatorChannels;

/** One named uint8 array of a split (images as bytes 0..255, labels as bytes); shape has the batch axis first. */
export interface ExampleArray {
  shape: number[];
  data: Uint8Array;
}

export interface ExampleSplit {
  count: number;
  /** Names per problem: see EXAMPLE_ARRAYS. */
  arrays: Record<string, ExampleArray>;
}

/** A fixed, seeded set of examples of one problem (examples.ts builds it, cache.ts stores it). */
export interface ExampleSet {
  problem: Image2ImageProblem;
  imageSize: number;
  /** Dataset channels C (1 grey, 3 RGB). */
  channels: number;
  /** K, see domainsFor. */
  domains: number;
  /** Label sets of domain-translation (2 with task.secondDataset; each example's `labelSet` says which); 1 when absent. */
  labelSets?: number;
  train: ExampleSplit;
  eval: ExampleSplit;
}

/** The arrays each problem's split holds (examples.ts documents their contents). */
export const EXAMPLE_ARRAYS: Readonly<Record<Image2ImageProblem, readonly string[]>> = {
  'amodal-completion': ['occluded', 'visible', 'fullMask', 'full'],
  'domain-translation': ['source', 'sourceDomain', 'targetDomain', 'target', 'labelSet'],
  'style-transfer': ['plain', 'reference', 'styled', 'style', 'plainRegion', 'referenceRegion'],
  'shape-guided': ['shape', 'appearance', 'target', 'appearanceShape'],
  'introspective-synthesis': ['real', 'label'],
};

/**
 * The outputs an engine returns on the eval split per problem (Float32 in [0, 1], [N, S, S, ·]
 * flattened; synthesis: recipe.samples samples), with their channel counts given C.
 */
export function PROBLEM_OUTPUTS(problem: Image2ImageProblem, datasetChannels: number): Record<string, number> {
  const c = datasetChannels;
  switch (problem) {
    case 'amodal-completion':
      return { mask: 1, image: c };
    case 'domain-translation':
      return { image: c, cycle: c };
    case 'style-transfer':
      return { applied: c, removed: c };
    case 'shape-guided':
      return { image: c };
    case 'introspective-synthesis':
      return { samples: c };
  }
}

/**
 * Outputs a procedure returns beyond its problem's (PROBLEM_OUTPUTS), for the sample grid only: the
 * Variational U-Net's reconstruction of the appearance image from its own shape and appearance, and
 * its image from A's shape with z drawn from the prior N(0, I).
 */
export function PROCEDURE_EXTRA_OUTPUTS(procedure: GenerativeProcedure, datasetChannels: number): Record<string, number> {
  return procedure === 'vunet' ? { reconstruction: datasetChannels, prior: datasetChannels } : {};
}

/** Parses an image-to-image task, defaults filled in; errors name the field and the fix. */
export function parseImage2ImageTask(value: unknown): Image2ImageTask {
  return parseWith(image2imageTaskSchema, value, {
    what: 'image-to-image task',
    code: ErrorCode.INVALID_CONFIG,
    hint: 'an image-to-image task is { kind: "image2image", problem, procedure, dataset: { name }, imageSize?, examples?, recipe? }',
  });
}
