/**
 * `blockqnn baseline <name|all>`: evaluates hand-designed baselines as a run of
 * their own (a candidate budget of 0) through exactly the harness a search
 * uses: the same queue, local worker slots or external workers, engine,
 * early-stop recipe, reward shaping and store. `--list` names them all.
 */
import type { Command } from 'commander';
import { checkDatasetFiles } from '../../datasets/index.js';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { ALL_BASELINES, resolveBaselineNames, taskScaleBaselines } from '../../orchestrator/baselines.js';
import { compareRun, formatComparison } from '../../orchestrator/compare.js';
import { createRun, prepareConfig } from '../../orchestrator/session.js';
import { baselines, isNscBlockBaseline } from '../../search-space/baselines/index.js';
import { generativeBaselines } from '../../search-space/baselines/generative/index.js';
import { generatingCost, generativeSpecOf } from '../../orchestrator/generative.js';
import { parseImage2ImageTask } from '../../task/image2image/schema.js';
import { networkCost } from '../../search-space/index.js';
import type { Store } from '../../store/index.js';
import { log, withDatabase, withRedis } from '../context.js';
import { withDisplay, withProgressOptions } from '../progress/index.js';
import { engineOption } from '../engine-choice.js';
import { datasetOption } from '../registry-help.js';
import { IMAGE2IMAGE_PROBLEMS } from '../../task/image2image/schema.js';
import { buildSearchConfig, imageProblem, type SearchFlags } from '../search-config.js';
import { TRAINING_MODES, applyTrainingMode, trainingModeIn } from '../../task/training-modes.js';
import type { TrainingTask } from '../../task/task.js';
import { nonNegativeInt, positiveInt, positiveNumber } from './options.js';
import { type RunFlags, drive, engineAndConfig } from './search.js';

export interface BaselineListEntry {
  name: string;
  description: string;
  /** The task family it is evaluated on: classification networks, or generative (image-to-image) ones. */
  family: 'classification' | 'image2image';
  /** The problems it solves (`--task`): `classification`, or its image-to-image problems. */
  problems: string[];
  /** Image-to-image: the training procedure it brings. */
  procedure?: string;
  /** The configuration's own input [H, W, C] and classes: params and FLOPs are at these (image-to-image: the default task of its first problem on MNIST, the generating roles only). */
  inputShape: number[];
  classes: number;
  params: number;
  flops: number;
  /** Part of `all` (the task-scale set). */
  inAll: boolean;
  /** An NSC block, assembled with the run's network (its numbers here are in the paper's CIFAR network). */
  nscBlock: boolean;
  /** A training mode (src/task/training-modes.ts): the baseline it trains and the recipe options it sets; numbers are that baseline's. */
  trainingMode?: { baseline: string; recipe: Record<string, unknown> };
}

export function listBaselines(): BaselineListEntry[] {
  const inAll = new Set(taskScaleBaselines());
  return baselines.list().map((name) => {
    const entry = baselines.get(name);
    const cost = networkCost(entry.build());
    return {
      name,
      description: entry.description,
      family: 'classification' as const,
      problems: ['classification'],
      inputShape: [...entry.defaults.inputShape],
      classes: entry.defaults.classes,
      params: cost.params,
      flops: cost.macs,
      inAll: inAll.has(name),
      nscBlock: isNscBlockBaseline(entry),
    };
  });
}

/**
 * The generative baselines, from their registry: each costed as `blockqnn baseline NAME --task P`
 * builds it by default (P its first problem, MNIST, the default image size), generating roles only.
 */
export function listGenerativeBaselines(): BaselineListEntry[] {
  return generativeBaselines.list().map((name) => {
    const entry = generativeBaselines.get(name);
    // A baseline that trains on two label sets (stargan-jnt) is costed on MNIST with Fashion-MNIST's second set.
    const second = (entry.labelSets ?? 1) > 1 ? { secondDataset: { name: 'fashion-mnist' } } : {};
    const task = parseImage2ImageTask({
      kind: 'image2image',
      problem: entry.problems[0],
      procedure: entry.procedure,
      dataset: { name: 'mnist' },
      ...second,
    });
    const spec = generativeSpecOf(task);
    const cost = generatingCost(entry.build(spec));
    return {
      name,
      description: entry.description,
      family: 'image2image' as const,
      problems: [...entry.problems],
      procedure: entry.procedure,
      inputShape: [spec.imageSize, spec.imageSize, spec.channels.input],
      classes: 0,
      params: cost.params,
      flops: cost.macs,
      inAll: false,
      nscBlock: false,
    };
  });
}

/** Every entry `--list` shows, `--task` keeping those of one problem (`classification` or an image-to-image problem). */
export function listedBaselines(task?: string): BaselineListEntry[] {
  const architectures = listBaselines();
  const all = [...architectures, ...listTrainingModes(architectures), ...listGenerativeBaselines()];
  if (task === undefined) return all;
  const problem = task === 'classification' ? task : imageProblem(task);
  return all.filter((e) => e.problems.includes(problem));
}

/** The training modes as list entries after the baselines: `blockqnn baseline NAME` takes their names too. */
export function listTrainingModes(entries: readonly BaselineListEntry[]): BaselineListEntry[] {
  return Object.values(TRAINING_MODES).map((mode) => {
    const trained = entries.find((e) => e.name === mode.baseline)!;
    return {
      ...trained,
      name: mode.name,
      description: mode.description,
      inAll: false,
      trainingMode: { baseline: mode.baseline, recipe: { ...mode.recipe } },
    };
  });
}

function printList(entries: BaselineListEntry[]): string {
  const width = Math.max(...entries.map((e) => e.name.length));
  const line = (e: BaselineListEntry) =>
    `${e.inAll ? '*' : ' '} ${e.name.padEnd(width)}  ${e.inputShape.join('x').padStart(9)}  ${Math.round(e.params).toLocaleString('en-US').padStart(11)} params  ${(e.flops / 1e6).toFixed(1).padStart(9)} MFLOPs  ${e.description}`;
  const classification = entries.filter((e) => e.family === 'classification' && !e.trainingMode);
  const modes = entries.filter((e) => e.trainingMode);
  const generative = entries.filter((e) => e.family === 'image2image');
  const sections: string[][] = [];
  if (classification.length > 0) {
    sections.push([
      'Classification baselines:',
      ...classification.map(line),
      '',
      "* in `all` (task-scale: NSC blocks and small-image configurations); params and FLOPs at each configuration's own input.",
    ]);
  }
  if (modes.length > 0)
    sections.push(['Training modes (a baseline plus recipe options for the whole run; give the name on its own):', ...modes.map(line)]);
  if (generative.length > 0) {
    sections.push([
      'Generative (image-to-image) baselines: blockqnn baseline NAME --task PROBLEM',
      ...generative.map((e) => `${line(e)}\n    problems: ${e.problems.join(', ')}; procedure ${e.procedure}`),
      '',
      'params and FLOPs of the generating networks (no discriminators), on MNIST at the default 16x16 of their first problem.',
    ]);
  }
  return sections.map((s) => s.join('\n')).join('\n\n');
}

interface BaselineFlags extends SearchFlags, RunFlags {
  list?: boolean;
}

async function summary(store: Store, runId: string, json: boolean): Promise<void> {
  const comparison = await compareRun(store, runId);
  process.stdout.write(json ? `${JSON.stringify(comparison, null, 2)}\n` : `${formatComparison(comparison, { baselinesOnly: true })}\n`);
}

export function registerBaseline(program: Command): void {
  const command = program
    .command('baseline')
    .description(
      'evaluate hand-designed baselines (a name, NAME,NAME or all) as a run of their own, with the harness and recipe of a search',
    )
    .argument(
      '[names]',
      `baseline name(s), comma-separated, or ${ALL_BASELINES}, or one training mode (${Object.keys(TRAINING_MODES).join(', ')})`,
    )
    .option(
      '--list',
      'list every baseline (classification and generative) with its family, problems, parameters and FLOPs, and exit; --task P keeps one problem (classification or an image-to-image one); --json',
    )
    .option('--config <file>', 'JSON configuration, as for search (flags you type override it)')
    .option('--name <name>', 'run name')
    .option('--engine <name>', engineOption())
    .option('--dataset <name>', datasetOption())
    .option('--epochs <E>', 'early-stop epochs', positiveInt('--epochs'))
    .option('--batch-size <B>', 'training batch size', positiveInt('--batch-size'))
    .option('--subset <N>', 'train on N images (cheap proxy)', positiveInt('--subset'))
    .option('--validation-size <N>', 'validation images held out', positiveInt('--validation-size'))
    .option('--image-size <S>', 'resize images to SxS (cheap proxy)', positiveInt('--image-size'))
    .option('--blocks <N>', 'NSC blocks: blocks per stage', positiveInt('--blocks'))
    .option('--base-filters <F>', 'NSC blocks: width of the first stage', positiveInt('--base-filters'))
    .option('--stages <S>', 'NSC blocks: number of stages', positiveInt('--stages'))
    .option(
      '--baseline-width <W>',
      "multiply the layer widths of whole-network baselines by W (default 1 = the papers' widths)",
      positiveNumber('--baseline-width'),
    )
    .option('--task <problem>', `image-to-image problem for the generative baselines: ${IMAGE2IMAGE_PROBLEMS.join(' | ')}`)
    .option('--train-examples <N>', 'image-to-image: training examples', positiveInt('--train-examples'))
    .option('--eval-examples <N>', 'image-to-image: evaluation examples', positiveInt('--eval-examples'))
    .option(
      '--second-dataset <name>',
      "domain-translation: a second dataset with its own label set, for StarGAN's mask vector (stargan-jnt), e.g. fashion-mnist",
    )
    .option('--seed <S>', 'seed of the training', nonNegativeInt('--seed'))
    .option('--max-in-flight <N>', 'unused by baselines; accepted for symmetry with search', positiveInt('--max-in-flight'))
    .option('--workers <N>', 'local worker slots to start (0: use external workers)', nonNegativeInt('--workers'), 2)
    .option('--json', 'print the result as JSON');
  const evaluate = withProgressOptions(withRedis(withDatabase(command)));
  evaluate.action((names: string | undefined, flags: BaselineFlags) =>
    withDisplay(flags, async () => {
      if (flags.list) {
        const entries = listedBaselines(flags.task);
        process.stdout.write(flags.json ? `${JSON.stringify(entries, null, 2)}\n` : `${printList(entries)}\n`);
        return;
      }
      if (names === undefined) {
        throw new BlockqnnError(ErrorCode.INVALID_INPUT, 'name the baseline(s) to evaluate', {
          hint: `blockqnn baseline ${ALL_BASELINES} | NAME[,NAME...]; see blockqnn baseline --list`,
        });
      }
      // A training mode (src/task/training-modes.ts, e.g. winn-resnet-20) is one baseline plus recipe options for the run.
      const mode = trainingModeIn(names);
      // Names first: an unknown one fails before an engine is looked for.
      const resolved = resolveBaselineNames(
        mode ? mode.baseline : names,
        flags.task ? { kind: 'image2image', problem: imageProblem(flags.task) } : undefined,
      );
      const { engine, file } = await engineAndConfig(flags);
      const input = buildSearchConfig({ ...flags, baselines: resolved.join(',') }, engine, file);
      if (mode) input.task = applyTrainingMode(input.task as TrainingTask, mode);
      const config = prepareConfig({ ...input, name: flags.name ?? `baseline ${names}`, budget: { candidates: 0 } });
      // As in search: local slots read this host's dataset, so a missing one is refused before the run exists.
      if (flags.workers > 0 && config.task.kind !== 'lookup') await checkDatasetFiles(config.task.dataset);
      await drive(
        async (store) => {
          const run = await createRun(store, config);
          log(
            `run ${run.id} (${config.name}): ${config.baselines.names.length} baseline(s) on ${config.task.kind === 'lookup' ? 'a table' : config.task.kind === 'image2image' ? `${config.task.problem} (${config.task.dataset.name})` : config.task.dataset.name}, engine ${engine}; database ${store.url}`,
          );
          return run.id;
        },
        async () => engine,
        flags,
        summary,
      );
    }),
  );
}
