/**
 * From `blockqnn search` flags and an optional JSON config file to a validated
 * search configuration. Flags the user typed override the file; the file
 * overrides the embedded defaults, which make a short real search on the bundled MNIST that
 * the pure-JS tfjs backend trains in seconds per candidate.
 */
import { searchSpaces } from '../search-space/index.js';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { dirname, isAbsolute, resolve } from 'node:path';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { DEFAULT_PRUNER, DEFAULT_STRATEGY, NO_PRUNER } from '../controller/index.js';
import { readTrainerFile } from '../engines/script/trainer-file.js';
import { datasetFacts } from '../datasets/index.js';
import { parseWith } from '../common/parse.js';
import { BUDGET_HINT, budgetSchema, type SearchConfigInput } from '../orchestrator/config.js';
import { IMAGE2IMAGE_PROBLEMS, type Image2ImageProblem, PROCEDURES_FOR_PROBLEM } from '../task/image2image/schema.js';
import { type TrainingTask, parseTask, taskKey } from '../task/task.js';
import { registerBuiltinEngines } from '../engines/builtin.js';
import { engineFactories, type TaskKind } from '../engines/registry.js';
import { AUTO_ENGINE } from '../engines/resolve.js';
import { BUNDLED_NB201_COLUMNS, BUNDLED_NB201_TABLE, BUNDLED_TABLE_SPACE } from '../engines/table/index.js';

export interface SearchFlags {
  config?: string;
  name?: string;
  space?: string;
  strategy?: string;
  engine?: string;
  dataset?: string;
  table?: string;
  fitness?: string;
  report?: string;
  keyColumn?: string;
  delayMs?: number;
  budget?: number;
  timeBudget?: number;
  maxInFlight?: number;
  seed?: number;
  epochs?: number;
  batchSize?: number;
  subset?: number;
  validationSize?: number;
  imageSize?: number;
  blocks?: number;
  baseFilters?: number;
  stages?: number;
  maxIndex?: number;
  /** NSC: optional layer types to search (se, dpp). */
  nscTypes?: string[];
  /** NSC: the layer between stages (maxpool, avgpool, dpp-lite-s3-sym, ...). */
  downsample?: string;
  /** `all` or comma-separated baseline names, evaluated beside the search. */
  baselines?: string;
  /** Proxy width of the whole-network baselines (1: the papers' widths). */
  baselineWidth?: number;
  /** An image-to-image problem (amodal-completion, ...): search generator blocks instead of classifiers. */
  task?: string;
  /** The image-to-image task's training procedure (pix2pix for a search; baselines name their own). */
  procedure?: string;
  trainExamples?: number;
  /** domain-translation: task.secondDataset's name (StarGAN's second label set). */
  secondDataset?: string;
  evalExamples?: number;
  /** The script engine's training script: the task names it by sha-256. */
  trainer?: string;
  /** Convert images to 1 (grey) or 3 (RGB) channels; a folder source decodes to it. */
  channels?: 1 | 3;
  /** The sha-256 of the pack a user source (`--dataset folder:PATH`, ...) was decoded into (cli/dataset-source.ts). */
  datasetPack?: string;
  /** A registered pruner (none, median, asha); its options come from the file's `pruner`. */
  pruner?: string;
}

/** An image-to-image problem name, or an error listing them. */
export function imageProblem(name: string | undefined): Image2ImageProblem {
  if (name !== undefined && (IMAGE2IMAGE_PROBLEMS as readonly string[]).includes(name)) return name as Image2ImageProblem;
  throw new BlockqnnError(
    ErrorCode.INVALID_CONFIG,
    name === undefined ? 'an image-to-image task needs a problem' : `unknown image-to-image problem "${name}"`,
    {
      hint: `use --task ${IMAGE2IMAGE_PROBLEMS.join(' | ')}`,
    },
  );
}

/** The embedded defaults: a cheap proxy of BlockQNN's early-stop training. */
export const EMBEDDED_DEFAULTS = {
  budget: 10,
  dataset: { name: 'mnist', subset: 400, validationSize: 200, imageSize: 8 },
  // A higher rate than the paper's 1e-3 so ~75 small steps already separate good blocks from bad ones.
  recipe: { epochs: 3, batchSize: 16, learningRate: 0.01 },
  network: { blocksPerStage: 1, baseFilters: 4, stages: 2 },
  maxIndex: 6,
} as const;

/** Reads a JSON configuration file: an object, or an error naming the file and the problem. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `cannot read config file ${path}: ${(error as Error).message}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('the top level must be an object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `config file ${path} is not valid JSON: ${(error as Error).message}`, {
      hint: 'write a JSON object with keys such as space, strategy, engine, task, network, budget (see README "Configuration")',
    });
  }
}

/** `--baselines` and `--baseline-width` over the file's `baselines` object. */
function baselinesFrom(flags: SearchFlags, fromFile: unknown): { names: string[]; width?: number } {
  const file = (fromFile && typeof fromFile === 'object' ? fromFile : {}) as { names?: string[]; width?: number };
  const names =
    flags.baselines !== undefined
      ? flags.baselines
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean)
      : (file.names ?? []);
  const width = flags.baselineWidth ?? file.width;
  return { names, ...(width !== undefined ? { width } : {}) };
}

/**
 * The pruner asked for: `--pruner` over the file's `pruner` (a name, or `{ "name", "options" }`), else the
 * default for a classification search whose recipe leaves epochs to decide at, else none. The file's options
 * apply only to the pruner the file names: `--pruner` naming another one starts from that one's defaults.
 * prepareConfig validates and completes it (normalizePrunerSpec).
 */
function prunerFrom(flags: SearchFlags, fromFile: unknown, task: TrainingTask): { name: string; options: Record<string, number> } {
  if (
    fromFile !== undefined &&
    typeof fromFile !== 'string' &&
    (fromFile === null || typeof fromFile !== 'object' || Array.isArray(fromFile))
  ) {
    throw new BlockqnnError(
      ErrorCode.INVALID_CONFIG,
      `the configuration's pruner must be a name or { "name": ..., "options": { ... } }, got ${JSON.stringify(fromFile)}`,
      {
        hint: 'for example "pruner": { "name": "asha", "options": { "reductionFactor": 3 } }',
      },
    );
  }
  const file = typeof fromFile === 'string' ? { name: fromFile } : (fromFile as { name?: unknown; options?: unknown } | undefined);
  const fileName = typeof file?.name === 'string' ? file.name : undefined;
  if (file !== undefined && fileName === undefined)
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, "the configuration's pruner has no name", {
      hint: 'name one of: none, median, asha',
    });
  const name = flags.pruner ?? fileName;
  if (name === undefined) {
    const prunable = task.kind === 'classification' && task.recipe.epochs >= 2;
    return { name: prunable ? DEFAULT_PRUNER : NO_PRUNER, options: {} };
  }
  const options = name === fileName && file?.options !== undefined ? (file.options as Record<string, number>) : {};
  return { name, options };
}

const pick = <T>(...values: (T | undefined)[]): T | undefined => values.find((v) => v !== undefined);

/** A configuration: the keys of a `--config` file, or of the dashboard's POST /api/runs body. */
export type ConfigObject = Record<string, unknown>;

/**
 * The configuration `flags.config` names, or undefined without one. A relative
 * `task.table` in it is read from the file's folder, as a person writing the
 * file expects, and stored absolute (workers never resolve paths themselves).
 */
export function configFileOf(flags: SearchFlags): ConfigObject | undefined {
  if (!flags.config) return undefined;
  const file = readConfigFile(flags.config);
  const task = file.task as Record<string, unknown> | undefined;
  if (task && typeof task === 'object' && typeof task.table === 'string' && task.table !== '' && !isAbsolute(task.table)) {
    return { ...file, task: { ...task, table: resolve(dirname(resolve(flags.config)), task.table) } };
  }
  return file;
}

/** The one task family an engine named outright trains (the table engine: lookup), if it trains only one. */
function familyOfEngine(engine: string | undefined): TaskKind | undefined {
  if (engine === undefined || engine === AUTO_ENGINE) return undefined;
  registerBuiltinEngines();
  if (!engineFactories.has(engine)) return undefined;
  const { tasks } = engineFactories.get(engine);
  return tasks.length === 1 ? tasks[0] : undefined;
}

/** The task family flags and configuration ask for: a lookup table, an image-to-image problem, or classification. */
export function taskKindOf(flags: SearchFlags, file: ConfigObject = {}): TaskKind {
  const fileTask = file.task as Record<string, unknown> | undefined;
  // An engine that trains one family only (`--engine table`) asks for that family by itself.
  const implied = fileTask?.kind === undefined ? familyOfEngine(requestedEngine(flags, file)) : undefined;
  const lookup = flags.table !== undefined || fileTask?.kind === 'lookup' || implied === 'lookup';
  const image2image = flags.task !== undefined || fileTask?.kind === 'image2image' || implied === 'image2image';
  if (lookup && image2image)
    throw new BlockqnnError(
      ErrorCode.INVALID_CONFIG,
      '--task (an image-to-image problem) and --table (a lookup table) exclude each other',
      { hint: 'drop one of them' },
    );
  return lookup ? 'lookup' : image2image ? 'image2image' : 'classification';
}

/** The engine asked for: the flag the user typed, else the configuration's `engine`, else undefined (auto). */
export function requestedEngine(flags: SearchFlags, file: ConfigObject = {}): string | undefined {
  if (flags.engine !== undefined) return flags.engine;
  if (file.engine === undefined) return undefined;
  if (typeof file.engine !== 'string')
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `the configuration's engine must be a name, got ${JSON.stringify(file.engine)}`);
  return file.engine;
}

/**
 * Builds the search configuration from flags over `given` (the configuration
 * file or API body, if any) over the embedded defaults; `engine` must already
 * be resolved (no "auto").
 */
export function buildSearchConfig(
  flags: SearchFlags,
  engine: string,
  given: ConfigObject | undefined = configFileOf(flags),
): SearchConfigInput {
  const file = given ?? {};
  const fileTask = file.task as Record<string, unknown> | undefined;
  const kind = taskKindOf(flags, file);
  const lookup = kind === 'lookup';
  const image2image = kind === 'image2image';
  const space = pick(flags.space, file.space as string | undefined, lookup ? BUNDLED_TABLE_SPACE : 'nsc')!;
  if (!searchSpaces.has(space)) {
    throw new BlockqnnError(
      ErrorCode.INVALID_CONFIG,
      `invalid configuration: unknown search space ${JSON.stringify(space)} (the space key or --space)`,
      { hint: `valid spaces: ${searchSpaces.list().join(', ')}` },
    );
  }
  let task;
  if (lookup) {
    const named = pick(flags.table, typeof fileTask?.table === 'string' && fileTask.table !== '' ? fileTask.table : undefined);
    // The bundled table's space without a table: the CIFAR-10 table shipped in data/nasbench201.
    if (named === undefined && space !== BUNDLED_TABLE_SPACE) {
      throw new BlockqnnError(
        ErrorCode.INVALID_CONFIG,
        `a lookup search in the ${space} space needs --table (the bundled table holds NAS-Bench-201 cells only)`,
        {
          hint: `pass --table FILE with a key column of this space's codes, or use --space ${BUNDLED_TABLE_SPACE}`,
        },
      );
    }
    const bundled = named === undefined;
    task = parseTask({
      ...(fileTask ?? { kind: 'lookup' }),
      kind: 'lookup',
      // Resolved here, where the run is created: a worker never resolves a relative path against its own folder.
      table: bundled ? BUNDLED_NB201_TABLE : resolve(named),
      ...(flags.fitness ? { fitness: flags.fitness } : fileTask?.fitness ? {} : { fitness: BUNDLED_NB201_COLUMNS.fitness }),
      ...(flags.report
        ? { report: flags.report }
        : bundled && fileTask?.report === undefined
          ? { report: BUNDLED_NB201_COLUMNS.report }
          : {}),
      ...(flags.keyColumn ? { keyColumn: flags.keyColumn } : {}),
      ...(flags.delayMs !== undefined ? { delayMs: flags.delayMs } : {}),
    });
  } else if (image2image) {
    task = parseTask({
      ...(fileTask ?? {}),
      kind: 'image2image',
      ...(flags.task ? { problem: flags.task } : {}),
      // A search trains its generators with pix2pix; a problem pix2pix cannot solve (synthesis) gets its own procedure.
      procedure: pick(
        flags.procedure,
        fileTask?.procedure as string | undefined,
        PROCEDURES_FOR_PROBLEM[imageProblem(pick(flags.task, fileTask?.problem as string | undefined))][0],
      ),
      dataset: {
        name: 'mnist',
        ...((fileTask?.dataset as Record<string, unknown> | undefined) ?? {}),
        ...(flags.dataset ? { name: flags.dataset } : {}),
      },
      ...(flags.imageSize !== undefined ? { imageSize: flags.imageSize } : {}),
      ...(flags.secondDataset
        ? { secondDataset: { ...((fileTask?.secondDataset as Record<string, unknown> | undefined) ?? {}), name: flags.secondDataset } }
        : {}),
      examples: {
        ...((fileTask?.examples as Record<string, unknown> | undefined) ?? {}),
        ...(flags.trainExamples !== undefined ? { train: flags.trainExamples } : {}),
        ...(flags.evalExamples !== undefined ? { eval: flags.evalExamples } : {}),
      },
      recipe: {
        ...((fileTask?.recipe as Record<string, unknown> | undefined) ?? {}),
        ...(flags.epochs !== undefined ? { epochs: flags.epochs } : {}),
        ...(flags.batchSize !== undefined ? { batchSize: flags.batchSize } : {}),
      },
    });
  } else {
    const fileDataset = (fileTask?.dataset as Record<string, unknown> | undefined) ?? {};
    const fileRecipe = (fileTask?.recipe as Record<string, unknown> | undefined) ?? {};
    const embedded = fileTask === undefined && flags.dataset === undefined;
    task = parseTask({
      kind: 'classification',
      dataset: {
        ...(embedded ? EMBEDDED_DEFAULTS.dataset : { name: 'mnist' }),
        ...fileDataset,
        // A pack is the data of the file's source: another --dataset drops it, a new pack replaces it.
        ...(flags.dataset ? { name: flags.dataset, pack: undefined } : {}),
        ...(flags.datasetPack ? { pack: flags.datasetPack } : {}),
        ...(flags.channels !== undefined ? { channels: flags.channels } : {}),
        ...(flags.subset !== undefined ? { subset: flags.subset } : {}),
        ...(flags.validationSize !== undefined ? { validationSize: flags.validationSize } : {}),
        ...(flags.imageSize !== undefined ? { imageSize: flags.imageSize } : {}),
      },
      recipe: {
        ...(embedded ? EMBEDDED_DEFAULTS.recipe : {}),
        ...fileRecipe,
        ...(flags.epochs !== undefined ? { epochs: flags.epochs } : {}),
        ...(flags.batchSize !== undefined ? { batchSize: flags.batchSize } : {}),
      },
      ...(flags.trainer !== undefined ? { trainer: { sha256: readTrainerFile(flags.trainer).sha256 } } : {}),
    });
  }
  let inputShape: [number, number, number] = [32, 32, 3];
  let classes = 10;
  if (task.kind === 'classification') {
    const facts = datasetFacts(task.dataset);
    inputShape = facts.shape;
    classes = facts.classes.length;
  } else if (task.kind === 'image2image') {
    // The generators are built from the task (orchestrator/generative.ts); the shape only describes the examples.
    const facts = datasetFacts(task.dataset);
    inputShape = [task.imageSize, task.imageSize, facts.shape[2]];
    classes = facts.classes.length;
  }
  const fileNetwork = (file.network as Record<string, unknown> | undefined) ?? {};
  const entry = searchSpaces.get(space);
  // The embedded network and maxIndex are defaults of the options a space reads (NSC's), not of a fixed network's.
  const embeddedNetwork = file.network === undefined && entry.fixedNetwork === null ? EMBEDDED_DEFAULTS.network : {};
  // Checked before flags complete it: a wrong budget in the file is refused, never silently replaced by the default.
  const fileBudget: { candidates?: number; seconds?: number } =
    file.budget === undefined
      ? {}
      : parseWith(
          z.object({ budget: budgetSchema }),
          { budget: file.budget },
          { what: 'configuration', code: ErrorCode.INVALID_CONFIG, showValues: true, hint: BUDGET_HINT },
        ).budget;
  const budgetCandidates = pick(
    flags.budget,
    fileBudget.candidates,
    flags.timeBudget === undefined && fileBudget.seconds === undefined ? EMBEDDED_DEFAULTS.budget : undefined,
  );
  const budgetSeconds = pick(flags.timeBudget, fileBudget.seconds);
  const network = {
    inputShape,
    classes,
    ...embeddedNetwork,
    ...fileNetwork,
    ...(flags.blocks ? { blocksPerStage: flags.blocks } : {}),
    ...(flags.baseFilters ? { baseFilters: flags.baseFilters } : {}),
    ...(flags.stages ? { stages: flags.stages } : {}),
    ...(flags.downsample ? { downsample: flags.downsample } : {}),
  } as SearchConfigInput['network'];
  return {
    ...file,
    name: pick(flags.name, file.name as string | undefined, 'search')!,
    space,
    strategy: pick(flags.strategy, file.strategy as string | undefined, DEFAULT_STRATEGY)!,
    engine,
    task,
    // NAS-Bench-201 cells have one fixed network; a BlockQNN block's result depends on the network built around it.
    taskKey: taskKey(task, engine, entry.networkInTaskKey ? (network as Record<string, unknown>) : undefined),
    network,
    ...(flags.nscTypes ? { nscTypes: flags.nscTypes } : {}),
    maxIndex: pick(
      flags.maxIndex,
      file.maxIndex as number | undefined,
      file.maxIndex === undefined && entry.settings.includes('maxIndex') && given === undefined ? EMBEDDED_DEFAULTS.maxIndex : undefined,
    ),
    budget: {
      ...(budgetCandidates !== undefined ? { candidates: budgetCandidates } : {}),
      ...(budgetSeconds !== undefined ? { seconds: budgetSeconds } : {}),
    },
    ...(flags.maxInFlight !== undefined ? { maxInFlight: flags.maxInFlight } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    ...(lookup && file.reward === undefined ? { reward: { mu: 0, rho: 0 } } : {}),
    ...(flags.baselines !== undefined || flags.baselineWidth !== undefined ? { baselines: baselinesFrom(flags, file.baselines) } : {}),
    pruner: prunerFrom(flags, file.pruner, task),
  };
}
