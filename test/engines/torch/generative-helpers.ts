/**
 * Shared set-up of the torch generative tests: real MNIST examples of a problem at the
 * test scale (16×16, 256 train / 64 eval), the networks of a baseline for them, and the
 * problem's score of outputs beside the trivial answer's (metrics.ts).
 */
import { loadDataset } from '../../../src/datasets/index.js';
import { generativeBaselines } from '../../../src/search-space/baselines/generative/index.js';
import { buildExamples } from '../../../src/task/image2image/examples.js';
import { scoreOutputs, trivialScores } from '../../../src/task/image2image/metrics.js';
import {
  type ExampleSet,
  type GenerativeRecipe,
  type Image2ImageProblem,
  type Image2ImageTask,
  PROBLEM_CHANNELS,
  parseImage2ImageTask,
} from '../../../src/task/image2image/schema.js';
import type { NetworkIr } from '../../../src/search-space/index.js';

/** The test scale: many small steps (32 per epoch) so a few epochs learn; widths a quarter of the documented ones. */
export const TEST_RECIPE = { batchSize: 8, learningRate: 1e-3 } satisfies Partial<GenerativeRecipe>;
export const TEST_WIDTH = 0.25;

export interface Case {
  task: Image2ImageTask;
  examples: ExampleSet;
  networks: Record<string, NetworkIr>;
}

export async function makeCase(o: {
  problem: Image2ImageProblem;
  procedure: Image2ImageTask['procedure'];
  baseline: string;
  epochs: number;
  width?: number;
  recipe?: Record<string, unknown>;
  /** A second dataset with its own label set (domain-translation: StarGAN's mask vector). */
  secondDataset?: string;
}): Promise<Case> {
  const data = await loadDataset({ name: 'mnist' });
  const task = parseImage2ImageTask({
    kind: 'image2image',
    problem: o.problem,
    procedure: o.procedure,
    dataset: { name: 'mnist' },
    imageSize: 16,
    examples: { train: 256, eval: 64 },
    recipe: { ...TEST_RECIPE, epochs: o.epochs, ...o.recipe },
    ...(o.secondDataset ? { secondDataset: { name: o.secondDataset } } : {}),
  });
  const second = o.secondDataset ? await loadDataset({ name: o.secondDataset }) : undefined;
  const examples = buildExamples(
    task,
    { images: data.train.images, labels: data.train.labels, count: data.train.count, shape: data.shape },
    1,
    second && { ...second.train, shape: second.shape },
  );
  const networks = generativeBaselines.get(o.baseline).build({
    problem: o.problem,
    imageSize: 16,
    channels: PROBLEM_CHANNELS(o.problem, examples.channels, examples.domains),
    domains: examples.domains,
    latent: task.recipe.latent,
    width: o.width ?? TEST_WIDTH,
    labelSets: examples.labelSets ?? 1,
    regions: task.recipe.pairedCycleGan.regions,
  }).roles;
  return { task, examples, networks };
}

/** The problem's score (src/task/image2image/metrics.ts, the search reward before shaping) of the outputs and of the trivial answer. */
export function scores(
  c: Case,
  outputs: Record<string, Float32Array>,
): { score: number; trivial: number; metrics: Record<string, number> } {
  const scored = scoreOutputs(c.task, c.examples, outputs);
  return { score: scored.score, trivial: trivialScores(c.task, c.examples).score, metrics: scored.metrics };
}
