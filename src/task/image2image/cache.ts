/**
 * Example sets on disk, so every worker of a task and the Python trainer (torch engine) use
 * exactly the same bytes: `<dataDir>/examples/<key>.bqds` in the dataset cache's format
 * (src/datasets/cache-file.ts, readable with numpy alone, src/datasets/dataset_cache.py `load`).
 *
 * - dataDir: `$BLOCKQNN_DATA_DIR`, else `.blockqnn` under the working directory (the same rule as
 *   the engines' checkpoint directory; restated here because src/task may not import src/engines).
 * - key: the first 16 hex digits of SHA-256 over the canonical JSON of { EXAMPLES_VERSION, the task
 *   without its recipe (the recipe trains, it does not change the examples), seed }. The dataset's
 *   files are not part of it (hashing them would mean loading the dataset even when the examples
 *   are on disk); bump EXAMPLES_VERSION when the generators change.
 * - arrays: `train.<name>` and `eval.<name>` (uint8, shapes as in ExampleSet); the header's `spec`
 *   carries { problem, imageSize, channels, domains, seed, train, eval (counts), task }, `shape`
 *   is [S, S, C] and `classes` the dataset's class names.
 * - written once, atomically (temp file + rename, by writeCacheFile); a file with the wrong key or
 *   arrays is rebuilt with a process warning, as the dataset cache does.
 * - source images: the dataset's train split as `task.dataset` specifies it (validation held out,
 *   subset applied), at the dataset's own resolution unless `dataset.imageSize` is set; with
 *   `task.secondDataset` (domain-translation's second label set) that dataset's train split too.
 */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { readCacheFile, writeCacheFile } from '../../datasets/cache-file.js';
import type { CacheArray } from '../../datasets/cache-file.js';
import { loadDataset } from '../../datasets/load.js';
import type { LoadOptions } from '../../datasets/spec.js';
import { buildExamples } from './examples.js';
import { EXAMPLE_ARRAYS, IMAGE2IMAGE_PROBLEMS } from './schema.js';
import type { ExampleSet, ExampleSplit, Image2ImageProblem, Image2ImageTask } from './schema.js';

/** Changes whenever examples.ts would build different bytes from the same task and seed. */
// 2: domain-translation splits hold labelSet; shape-guided examples hold appearanceShape; 3: style-transfer ones hold region masks (issue #18).
export const EXAMPLES_VERSION = 4;

export interface ExamplesOptions {
  /** Default `$BLOCKQNN_DATA_DIR`, else `./.blockqnn`. */
  dataDir?: string;
  /** How the dataset is found and cached (src/datasets LoadOptions). */
  load?: LoadOptions;
}

export interface LoadedExamples {
  examples: ExampleSet;
  /** The .bqds file to hand to the Python trainer. */
  path: string;
  key: string;
  origin: 'cache' | 'built';
}

export function examplesDataDir(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  return resolve(cwd, env.BLOCKQNN_DATA_DIR?.trim() || '.blockqnn');
}

const canonical = (value: unknown): unknown =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? Object.fromEntries(
        Object.entries(value as Record<string, unknown>)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => [k, canonical(v)]),
      )
    : value;

/** The task without its recipe: what the examples depend on. */
function exampleTask(task: Image2ImageTask): Omit<Image2ImageTask, 'recipe'> {
  const { recipe: _recipe, ...rest } = task;
  return rest;
}

export function examplesKey(task: Image2ImageTask, seed: number): string {
  const text = JSON.stringify(canonical({ version: EXAMPLES_VERSION, task: exampleTask(task), seed }));
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function examplesPath(task: Image2ImageTask, seed: number, dataDir: string = examplesDataDir()): string {
  return join(dataDir, 'examples', `${examplesKey(task, seed)}.bqds`);
}

/** Writes an example set atomically (see the file header for names and header fields). */
export async function writeExampleSet(
  path: string,
  examples: ExampleSet,
  info: { key: string; task: Image2ImageTask; seed: number; classes: readonly string[] },
): Promise<void> {
  const arrays: Record<string, CacheArray> = {};
  for (const split of ['train', 'eval'] as const) {
    for (const [name, array] of Object.entries(examples[split].arrays))
      arrays[`${split}.${name}`] = { data: array.data, shape: array.shape };
  }
  const meta = {
    key: info.key,
    name: info.task.dataset.name,
    classes: info.classes,
    shape: [examples.imageSize, examples.imageSize, examples.channels],
    pixels: 'float = byte / 255',
    spec: {
      problem: examples.problem,
      imageSize: examples.imageSize,
      channels: examples.channels,
      domains: examples.domains,
      labelSets: examples.labelSets ?? 1,
      seed: info.seed,
      train: examples.train.count,
      eval: examples.eval.count,
      task: canonical(exampleTask(info.task)),
    },
    source: { examplesVersion: EXAMPLES_VERSION },
  };
  await writeCacheFile(path, meta, arrays);
}

/** Reads an example set; a string says why the file is not one (missing, another key, arrays lacking). */
export async function readExampleSet(path: string, key?: string): Promise<ExampleSet | string> {
  const read = await readCacheFile(path);
  if (read.kind === 'missing') return 'missing';
  if (read.kind === 'invalid') return read.reason;
  const { header } = read;
  if (key !== undefined && header.key !== key) return `holds key ${header.key}, expected ${key}`;
  const spec = header.spec as Record<string, unknown>;
  const problem = spec.problem as Image2ImageProblem;
  if (!IMAGE2IMAGE_PROBLEMS.includes(problem)) return `holds no image-to-image examples (problem ${String(spec.problem)})`;
  const split = (name: 'train' | 'eval'): ExampleSplit | string => {
    const arrays: ExampleSplit['arrays'] = {};
    for (const array of EXAMPLE_ARRAYS[problem]) {
      const data = read.arrays[`${name}.${array}`];
      if (!(data instanceof Uint8Array)) return `lacks the uint8 array ${name}.${array}`;
      arrays[array] = { data, shape: [...header.arrays[`${name}.${array}`]!.shape] };
    }
    return { count: spec[name] as number, arrays };
  };
  const train = split('train');
  const evalSplit = split('eval');
  if (typeof train === 'string') return train;
  if (typeof evalSplit === 'string') return evalSplit;
  const labelSets = typeof spec.labelSets === 'number' && spec.labelSets > 1 ? { labelSets: spec.labelSets } : {};
  return {
    problem,
    imageSize: spec.imageSize as number,
    channels: spec.channels as number,
    domains: spec.domains as number,
    ...labelSets,
    train,
    eval: evalSplit,
  };
}

const memo = new Map<string, Promise<LoadedExamples>>();

async function build(task: Image2ImageTask, seed: number, key: string, path: string, options: ExamplesOptions): Promise<LoadedExamples> {
  const cached = await readExampleSet(path, key);
  if (typeof cached !== 'string') return { examples: cached, path, key, origin: 'cache' };
  if (cached !== 'missing') process.emitWarning(`example cache ${path} is unusable (${cached}); building the examples again`);
  const data = await loadDataset(task.dataset, options.load);
  const second = task.secondDataset === undefined ? undefined : await loadDataset(task.secondDataset, options.load);
  const examples = buildExamples(task, { ...data.train, shape: data.shape }, seed, second && { ...second.train, shape: second.shape });
  await writeExampleSet(path, examples, { key, task, seed, classes: data.classes });
  return { examples, path, key, origin: 'built' };
}

/**
 * The task's examples for `seed`: from the in-process memo, the file on disk, or built from the
 * dataset and written (see the file header). Concurrent calls in a process build once.
 *
 * @example
 * const { examples, path } = await loadExamples(task, job.seed);
 * // examples.train.arrays.occluded.data — uint8; path — for the Python trainer
 */
export async function loadExamples(task: Image2ImageTask, seed: number, options: ExamplesOptions = {}): Promise<LoadedExamples> {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `example seed ${seed} is not a 32-bit unsigned integer`, {
      hint: 'use a whole number 0 … 4294967295',
    });
  }
  const key = examplesKey(task, seed);
  const path = join(options.dataDir ?? examplesDataDir(), 'examples', `${key}.bqds`);
  let pending = memo.get(path);
  if (pending === undefined) {
    pending = build(task, seed, key, path, options);
    memo.set(path, pending);
    pending.catch(() => {
      if (memo.get(path) === pending) memo.delete(path);
    });
  }
  return pending;
}

/** Drops the in-process memo (tests, long-lived processes). */
export function clearExamplesMemo(): void {
  memo.clear();
}
