/**
 * Shared set-up of the tfjs generative tests: real MNIST digits made into a problem's
 * examples (src/task/image2image/examples.ts), a registered baseline's role networks at a
 * small width, a training through the tfjs engine's procedures, and the task's own scoring
 * of the outputs beside the trivial answer's.
 */
import { loadDataset } from '../../../src/datasets/load.js';
import type { GenerativeOutcome, GenerativeProgress } from '../../../src/engines/generative.js';
import { tfjsTrainGenerative } from '../../../src/engines/tfjs/generative/index.js';
import { generativeBaselines } from '../../../src/search-space/baselines/generative/index.js';
import type { NetworkIr } from '../../../src/search-space/index.js';
import { buildExamples } from '../../../src/task/image2image/examples.js';
import { type Scores, scoreOutputs, trivialScores } from '../../../src/task/image2image/metrics.js';
import {
  type ExampleSet,
  type Image2ImageTask,
  type Image2ImageTaskInput,
  PROBLEM_CHANNELS,
  parseImage2ImageTask,
} from '../../../src/task/image2image/schema.js';
import { tfjs } from './helpers.js';

export interface Scale {
  train: number;
  eval: number;
  /** Proxy multiplier of the baseline's widths (1 = the pix2pix authors' 64 filters). */
  width: number;
}

export interface Trained {
  task: Image2ImageTask;
  examples: ExampleSet;
  outcome: GenerativeOutcome;
  progress: GenerativeProgress[];
}

const datasets = new Map<string, ReturnType<typeof loadDataset>>();
const loaded = (name: string) => {
  if (!datasets.has(name)) datasets.set(name, loadDataset({ name }, { cache: false }));
  return datasets.get(name)!;
};

/** The mnist package's training split, and the task's secondDataset's (no disk cache: tests must not share files). */
export async function examplesFor(task: Image2ImageTask, seed = 1): Promise<ExampleSet> {
  const data = await loaded('mnist');
  const second = task.secondDataset ? await loaded(task.secondDataset.name) : undefined;
  return buildExamples(task, { ...data.train, shape: data.shape }, seed, second && { ...second.train, shape: second.shape });
}

export function taskFor(
  problem: Image2ImageTask['problem'],
  procedure: Image2ImageTask['procedure'],
  scale: Scale,
  recipe: Image2ImageTaskInput['recipe'],
  secondDataset?: string,
): Image2ImageTask {
  return parseImage2ImageTask({
    kind: 'image2image',
    problem,
    procedure,
    dataset: { name: 'mnist' },
    imageSize: 16,
    examples: { train: scale.train, eval: scale.eval },
    recipe,
    ...(secondDataset ? { secondDataset: { name: secondDataset } } : {}),
  });
}

export function networksFor(baseline: string, task: Image2ImageTask, examples: ExampleSet, width: number): Record<string, NetworkIr> {
  return generativeBaselines.get(baseline).build({
    problem: task.problem,
    imageSize: task.imageSize,
    channels: PROBLEM_CHANNELS(task.problem, examples.channels, examples.domains),
    domains: examples.domains,
    latent: task.recipe.latent,
    width,
    labelSets: examples.labelSets ?? 1,
    regions: task.recipe.pairedCycleGan.regions,
  }).roles;
}

export async function train(
  task: Image2ImageTask,
  examples: ExampleSet,
  networks: Record<string, NetworkIr>,
  signal = new AbortController().signal,
  seed = 1,
): Promise<Trained> {
  const tf = await tfjs();
  const progress: GenerativeProgress[] = [];
  const outcome = await tfjsTrainGenerative(tf)({ task, examples, networks, seed }, signal, (p) => progress.push(p));
  return { task, examples, outcome, progress };
}

/** Trains a registered baseline on its problem and scores the outputs beside the trivial answer. */
export async function trainBaseline(
  baseline: string,
  problem: Image2ImageTask['problem'],
  scale: Scale,
  recipe: Image2ImageTaskInput['recipe'],
  secondDataset?: string,
): Promise<Trained & { scores: Scores; trivial: Scores }> {
  const procedure = generativeBaselines.get(baseline).procedure;
  const task = taskFor(problem, procedure, scale, recipe, secondDataset);
  const examples = await examplesFor(task);
  const trained = await train(task, examples, networksFor(baseline, task, examples, scale.width));
  if (trained.outcome.status !== 'ok') throw new Error(`${baseline} on ${problem}: ${trained.outcome.status}: ${trained.outcome.error}`);
  const scores = scoreOutputs(task, examples, trained.outcome.outputs!);
  const trivial = trivialScores(task, examples);
  // The numbers the issue asks for, in the test log: score vs trivial, seconds per epoch.
  const perEpoch = trained.outcome.curve.map((r) => r.seconds.toFixed(1)).join(', ');
  console.log(
    `${baseline} on ${problem}: score ${scores.score.toFixed(4)} vs trivial ${trivial.score.toFixed(4)}; metrics ${JSON.stringify(scores.metrics)}; s/epoch ${perEpoch}`,
  );
  return { ...trained, scores, trivial };
}
