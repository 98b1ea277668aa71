/**
 * What a final training trains, and how: the paper's last step (Zhong et al.,
 * CVPR 2018, Sec. 4) takes the found block, assembles it into the network with
 * more filters, and trains it to convergence with a full schedule. Here a
 * selector (a candidate id, a run's best, a run's candidate, or a baseline) and
 * the user's flags become a plan: the network IR rebuilt at the final width and
 * the dataset's native resolution, and the final recipe.
 *
 * The final recipe: SGD with Nesterov momentum 0.9, learning rate 0.1 for a
 * batch of 128 (scaled linearly with the batch size, Goyal et al. 2017), cosine
 * decay, weight decay 5e-4, random crops with flips on CIFAR and crops only on
 * digits and clothing (a mirrored 2 or shoe is another picture), on the whole
 * training set (no validation hold-out), measured on the test set.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { datasetFacts, datasetSources } from '../datasets/index.js';
import { baselines, isNscBlockBaseline } from '../search-space/baselines/index.js';
import { scaleWidth } from '../search-space/baselines/proxy-width.js';
import {
  type CheckedIr,
  type LayoutFlags,
  type NetworkIr,
  type NetworkLayout,
  hasLayoutFlags,
  networkCost,
  parseIr,
  resolveLayout,
  searchSpaces,
} from '../search-space/index.js';
import type { CandidateDetail, Run, Store } from '../store/index.js';
import { type ClassificationTask, parseTask } from '../task/task.js';
import { type SearchConfig, parseSearchConfig } from './config.js';
import { spaceSettingsOf } from './session.js';

/** Which architecture: exactly one of these. */
export type TrainingSelector =
  | { kind: 'candidate'; candidateId: number }
  | { kind: 'best'; runId: string }
  | { kind: 'run-candidate'; runId: string; candidate: string }
  | { kind: 'baseline'; name: string; runId?: string | undefined };

export interface TrainingFlags {
  epochs?: number | undefined;
  filters?: number | undefined;
  optimizer?: 'sgd' | 'adam' | undefined;
  learningRate?: number | undefined;
  momentum?: number | undefined;
  weightDecay?: number | undefined;
  schedule?: 'cosine' | 'step' | undefined;
  augmentation?: 'none' | 'crop' | 'crop-flip' | undefined;
  batchSize?: number | undefined;
  dataset?: string | undefined;
  subset?: number | undefined;
  /** Resize every image to imageSize × imageSize (a cheaper final training, e.g. bench claim's CPU scale). */
  imageSize?: number | undefined;
  /** Multiply the layer widths of a whole-network baseline by this (proxy-width.ts, rounded to whole channels); NSC blocks use filters. */
  baselineWidth?: number | undefined;
  seed?: number | undefined;
  timeLimitSeconds?: number | undefined;
  checkpointMaxBytes?: number | undefined;
  /**
   * The macro-structure to stack a found block into instead of the search's
   * (the paper's ImageNet transfer: `{ layout: 'imagenet' }`), or just other
   * stage and block counts (`{ stages: 4, blocks: 2 }`). NSC blocks only.
   */
  layout?: LayoutFlags | undefined;
}

export const FINAL_RECIPE = {
  epochs: 300,
  batchSize: 128,
  optimizer: 'sgd',
  /** For a batch of 128; scaled linearly with the batch size. */
  learningRate: 0.1,
  momentum: 0.9,
  weightDecay: 5e-4,
  lrSchedule: 'cosine',
} as const;
export const DEFAULT_TRAINING_TIME_LIMIT = 7 * 24 * 3600;

export interface TrainingPlan {
  runId: string | null;
  candidateId: number | null;
  baseline: string | null;
  /** How the user would name it: "candidate 12 of run abc (block 1,1,3,0,0 ...)". */
  label: string;
  engine: string;
  seed: number;
  task: ClassificationTask;
  ir: NetworkIr;
  flops: number;
  params: number;
  timeLimitSeconds: number;
  checkpointMaxBytes: number | undefined;
  /** What the store keeps as the training's configuration. */
  config: Record<string, unknown>;
}

const invalid = (message: string, hint?: string) => new BlockqnnError(ErrorCode.INVALID_INPUT, message, hint ? { hint } : {});

/** The learning rate for a batch size: the recipe's rate is for 128 images (linear scaling). */
export function scaledLearningRate(optimizer: 'sgd' | 'adam', batchSize: number): number {
  const base = optimizer === 'sgd' ? FINAL_RECIPE.learningRate : 1e-3;
  return (base * batchSize) / FINAL_RECIPE.batchSize;
}

/** Crop and flip for colour images (CIFAR), crop only for grey digits and clothing. */
export function defaultAugmentation(channels: number): 'crop' | 'crop-flip' {
  return channels === 3 ? 'crop-flip' : 'crop';
}

function runConfig(run: Run): SearchConfig {
  return parseSearchConfig(run.config, `stored configuration of run ${run.id}`);
}

async function findSource(store: Store, selector: TrainingSelector): Promise<{ run: Run | null; candidate: CandidateDetail | null }> {
  switch (selector.kind) {
    case 'candidate': {
      const candidate = await store.trainings.findCandidate(selector.candidateId);
      if (!candidate)
        throw new BlockqnnError(ErrorCode.NOT_FOUND, `no candidate with id ${selector.candidateId} in this database`, {
          hint: 'candidate ids are listed by `blockqnn status RUN` and the dashboard; or use --run RUN --best',
        });
      return { run: await store.getRun(candidate.runId), candidate };
    }
    case 'best': {
      const run = await store.getRun(selector.runId);
      const [best] = await store.bestCandidates(run.id, { by: 'reward', limit: 1 });
      if (!best)
        throw invalid(
          `run ${run.id} has no evaluated candidate yet, so it has no best`,
          `wait for results (blockqnn status ${run.id}), or pick one with --candidate`,
        );
      return { run, candidate: await store.getCandidate(run.id, best.hash) };
    }
    case 'run-candidate': {
      const run = await store.getRun(selector.runId);
      let candidate: CandidateDetail | null = null;
      if (/^\d+$/.test(selector.candidate)) {
        candidate = await store.trainings.findCandidate(Number(selector.candidate));
        if (candidate && candidate.runId !== run.id)
          throw invalid(`candidate ${selector.candidate} belongs to run ${candidate.runId}, not ${run.id}`);
      }
      candidate ??= await store.getCandidate(run.id, selector.candidate);
      if (!candidate)
        throw new BlockqnnError(ErrorCode.NOT_FOUND, `run ${run.id} has no candidate ${selector.candidate}`, {
          hint: `give a candidate id or hash from \`blockqnn status ${run.id}\``,
        });
      return { run, candidate };
    }
    case 'baseline':
      return { run: selector.runId ? await store.getRun(selector.runId) : null, candidate: null };
  }
}

/** The dataset the training uses: the flag, else the run's (a lookup run has none); a run on your own data keeps its pack. */
function datasetOf(run: Run | null, flags: TrainingFlags): { name: string; pack?: string } {
  if (flags.dataset) {
    datasetSources.get(flags.dataset); // UNKNOWN_NAME listing the datasets
    return { name: flags.dataset };
  }
  if (run) {
    const config = runConfig(run);
    if (config.task.kind === 'classification')
      return { name: config.task.dataset.name, ...(config.task.dataset.pack ? { pack: config.task.dataset.pack } : {}) };
    if (config.task.kind === 'image2image')
      throw invalid(
        `run ${run.id} searched generators for ${config.task.problem}; \`blockqnn train\` trains classifiers`,
        "train a classification run's candidate, or name the dataset with --dataset",
      );
    throw invalid(
      `run ${run.id} looked its candidates up in a table (${config.task.table}); it trained on no dataset this machine knows`,
      'name the dataset to train on with --dataset (e.g. --dataset cifar10)',
    );
  }
  throw invalid('a baseline trained on its own needs a dataset', 'add --dataset mnist | fashion-mnist | cifar10');
}

/** The layout the flags ask for over the run's network, or undefined to keep the search's; `filters` widens the first stage of the cifar preset. */
function layoutFor(
  flags: LayoutFlags | undefined,
  network: { baseFilters: number; stages: number; blocksPerStage: number } | undefined,
  filters: number | undefined,
): NetworkLayout | undefined {
  if (!flags || !hasLayoutFlags(flags)) return undefined;
  const search = {
    baseFilters: filters ?? network?.baseFilters ?? 16,
    stages: network?.stages ?? 2,
    blocksPerStage: network?.blocksPerStage ?? 1,
  };
  if (filters !== undefined && (flags.layout ?? 'cifar') !== 'cifar') {
    throw invalid(
      `--filters sets the search network's base width; the ${flags.layout} layout has its own widths`,
      'give the widths with --widths instead of --filters',
    );
  }
  return resolveLayout(flags, search);
}

/** The network at the final width and the dataset's shape. */
function buildNetwork(
  run: Run | null,
  candidate: CandidateDetail | null,
  selector: TrainingSelector,
  shape: [number, number, number],
  classes: number,
  filters: number | undefined,
  layoutFlags?: LayoutFlags,
  width?: number,
): { checked: CheckedIr; layout?: NetworkLayout } {
  const baselineName = selector.kind === 'baseline' ? selector.name : (candidate?.baseline ?? null);
  if (baselineName !== null) {
    const entry = baselines.get(baselineName);
    if (layoutFlags && hasLayoutFlags(layoutFlags) && !isNscBlockBaseline(entry)) {
      throw invalid(
        `baseline ${baselineName} is a whole network with its own stages; --layout, --stem, --widths, --strides, --stages and --blocks stack a block into a network`,
        'leave out the layout flags for this baseline, or name an NSC block baseline (blockqnn-resnet-block, ...)',
      );
    }
    if (isNscBlockBaseline(entry)) {
      const network = run ? runConfig(run).network : undefined;
      const layout = layoutFor(layoutFlags, network, filters);
      if (layout) return { checked: entry.build({ inputShape: shape, classes, network: { layout } }), layout };
      return {
        checked: entry.build({
          inputShape: shape,
          classes,
          network: {
            ...(network ? { blocksPerStage: network.blocksPerStage, stages: network.stages, baseFilters: network.baseFilters } : {}),
            ...(filters ? { baseFilters: filters } : {}),
          },
        }),
      };
    }
    if (filters !== undefined)
      throw invalid(
        `--filters widens a searched block's network; baseline ${baselineName} is a whole network with its own widths`,
        'leave out --filters for this baseline',
      );
    const built = entry.build({ inputShape: shape, classes });
    return { checked: width === undefined ? built : scaleWidth(built, width, baselineName, { round: true }) };
  }
  const config = runConfig(run!);
  const c = candidate!;
  const space = searchSpaces.get(config.space);
  const settings = spaceSettingsOf(config);
  if (layoutFlags && hasLayoutFlags(layoutFlags)) {
    if (space.fixedNetwork !== null)
      throw invalid(
        `run ${config.name} searched ${config.space} cells, whose network is fixed by the benchmark; layouts stack NSC blocks`,
        'leave out the layout flags',
      );
    const layout = layoutFor(layoutFlags, config.network, filters)!;
    return { checked: space.build(c.nsc, settings, { ...config.network, inputShape: shape, classes, layout }, filters), layout };
  }
  return { checked: space.build(c.nsc, settings, { ...config.network, inputShape: shape, classes }, filters) };
}

function describe(selector: TrainingSelector, run: Run | null, candidate: CandidateDetail | null): string {
  if (selector.kind === 'baseline') return `baseline ${selector.name}${run ? ` with run ${run.id}'s network` : ''}`;
  const c = candidate!;
  const name = c.baseline ? `baseline ${c.baseline}` : `candidate ${c.id} (${c.nsc.length > 60 ? `${c.nsc.slice(0, 57)}...` : c.nsc})`;
  return `${name} of run ${c.runId}${selector.kind === 'best' ? ' (its best)' : ''}`;
}

/** Resolves the selector and flags into a plan; every bad combination is a clear error before anything is stored. */
export async function planTraining(store: Store, selector: TrainingSelector, flags: TrainingFlags, engine: string): Promise<TrainingPlan> {
  if (engine === 'table')
    throw invalid('the table engine looks accuracies up, it cannot train a network', 'use --engine torch or --engine tfjs');
  const { run, candidate } = await findSource(store, selector);
  if (candidate && !candidate.baseline && !candidate.nsc) throw invalid(`candidate ${candidate.id} has no architecture code to rebuild`);
  // A run on your own data keeps its pack: shape and classes come from the pack's header.
  const spec = {
    ...datasetOf(run, flags),
    seed: 0,
    validationSize: 0,
    ...(flags.subset !== undefined ? { subset: flags.subset } : {}),
    ...(flags.imageSize !== undefined ? { imageSize: flags.imageSize } : {}),
  };
  const facts = datasetFacts(spec);
  const [h, w, c] = facts.shape;
  // Builds (and so checks: an image too small for the layout fails here) before anything is stored or queued.
  const { checked, layout } = buildNetwork(
    run,
    candidate,
    selector,
    [h, w, c],
    facts.classes.length,
    flags.filters,
    flags.layout,
    flags.baselineWidth,
  );
  const optimizer = flags.optimizer ?? FINAL_RECIPE.optimizer;
  const batchSize = flags.batchSize ?? FINAL_RECIPE.batchSize;
  const epochs = flags.epochs ?? FINAL_RECIPE.epochs;
  const schedule = flags.schedule ?? FINAL_RECIPE.lrSchedule;
  const task = parseTask({
    kind: 'classification',
    dataset: spec,
    recipe: {
      epochs,
      batchSize,
      optimizer,
      learningRate: flags.learningRate ?? scaledLearningRate(optimizer, batchSize),
      lrSchedule: schedule,
      // The step schedule of a final training: ×0.1 at a third and two thirds of the epochs.
      lrDecay: { factor: 0.1, every: Math.max(1, Math.ceil(epochs / 3)) },
      momentum: flags.momentum ?? FINAL_RECIPE.momentum,
      weightDecay: flags.weightDecay ?? FINAL_RECIPE.weightDecay,
      augmentation: flags.augmentation ?? defaultAugmentation(c),
    },
  }) as ClassificationTask;
  const cost = networkCost(checked);
  const ir = parseIr(checked.ir).ir;
  const seed = flags.seed ?? run?.seed ?? 0;
  const timeLimitSeconds = flags.timeLimitSeconds ?? DEFAULT_TRAINING_TIME_LIMIT;
  const label = describe(selector, run, candidate);
  return {
    runId: run?.id ?? null,
    candidateId: candidate?.id ?? null,
    baseline: selector.kind === 'baseline' ? selector.name : null,
    label,
    engine,
    seed,
    task,
    ir,
    flops: cost.macs,
    params: cost.params,
    timeLimitSeconds,
    checkpointMaxBytes: flags.checkpointMaxBytes,
    config: {
      label,
      task,
      filters: flags.filters ?? null,
      ...(flags.baselineWidth !== undefined ? { baselineWidth: flags.baselineWidth } : {}),
      timeLimitSeconds,
      ...(layout ? { layout } : {}),
      ...(flags.checkpointMaxBytes !== undefined ? { checkpointMaxBytes: flags.checkpointMaxBytes } : {}),
    },
  };
}
