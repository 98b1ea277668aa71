/**
 * `loadDataset`: the one entry point workers and engines use. Per call it stats
 * the source files (microseconds), derives the cache key, then takes the first
 * of: the in-process memo (one decode per worker process, even for concurrent
 * calls), the cache file on disk (shared by processes and by the Python torch
 * engine), or a full decode that then writes the cache file.
 *
 * @example
 * const data = await loadDataset({ name: 'fashion-mnist', seed: 1, subset: 5000, imageSize: 16 });
 * data.train.images; // Uint8Array, count × 16 × 16 × 1, float = byte / 255
 * data.cachePath;    // hand this to the Python trainer
 */
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { CACHE_VERSION, readCacheFile, writeCacheFile } from './cache-file.js';
import type { CacheArray, CacheHeader, CacheTypedArray } from './cache-file.js';
import { ensurePack, readPack, readPackHeaderSync, resolvePackDir } from './packs.js';
import { PREPARE_VERSION, prepareSets } from './prepare.js';
import type { PreparedSets } from './prepare.js';
import { datasetSources } from './sources.js';
import { dirEnvVar, resolveCacheDir, resolveSpec } from './spec.js';
import type { DatasetSpec, LoadOptions, ResolvedDatasetSpec } from './spec.js';
import type { Dataset, DatasetSource, ImageSet, ImageShape, SourceFingerprint } from './types.js';

const memo = new Map<string, Promise<Dataset>>();

/** Drops the in-process memo (tests, or a long-lived process that wants its memory back). */
export function clearDatasetMemo(): void {
  memo.clear();
}

/** The spec fields that change the data, with `resize` dropped when nothing is resized. */
function keySpec(spec: ResolvedDatasetSpec): Record<string, unknown> {
  return {
    name: spec.name,
    // Packs are named by content: the source's text (a local path) must not change the key.
    ...(spec.pack !== undefined ? { name: 'pack', pack: spec.pack } : {}),
    seed: spec.seed,
    validationSize: spec.validationSize ?? null,
    subset: spec.subset ?? null,
    imageSize: spec.imageSize ?? null,
    resize: spec.imageSize === undefined ? null : spec.resize,
    channels: spec.channels ?? null,
  };
}

export function datasetKey(spec: ResolvedDatasetSpec, fingerprint: SourceFingerprint): string {
  const text = JSON.stringify({ cache: CACHE_VERSION, prepare: PREPARE_VERSION, spec: keySpec(spec), source: fingerprint });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

const ARRAY_NAMES = [
  'train_images',
  'train_labels',
  'validation_images',
  'validation_labels',
  'test_images',
  'test_labels',
  'train_indices',
  'validation_indices',
] as const;

function toArrays(sets: PreparedSets): Record<(typeof ARRAY_NAMES)[number], CacheArray> {
  const images = (set: ImageSet): CacheArray => ({ data: set.images, shape: [set.count, ...sets.shape] });
  const labels = (set: ImageSet): CacheArray => ({ data: set.labels, shape: [set.count] });
  return {
    train_images: images(sets.train),
    train_labels: labels(sets.train),
    validation_images: images(sets.validation),
    validation_labels: labels(sets.validation),
    test_images: images(sets.test),
    test_labels: labels(sets.test),
    train_indices: { data: sets.trainIndices, shape: [sets.trainIndices.length] },
    validation_indices: { data: sets.validationIndices, shape: [sets.validationIndices.length] },
  };
}

/** The sets stored in a cache file, or a reason it does not hold what this key needs. */
function fromArrays(header: CacheHeader, arrays: Record<string, CacheTypedArray>, key: string, classes: number): PreparedSets | string {
  if (header.key !== key) return `holds key ${header.key}, expected ${key}`;
  const missing = ARRAY_NAMES.filter((name) => !Object.hasOwn(arrays, name));
  if (missing.length > 0) return `lacks arrays ${missing.join(', ')}`;
  // Arrays that disagree with each other (a damaged or hand-edited header) would feed a trainer out-of-range reads.
  const pixels = header.shape.reduce((a, b) => a * b, 1);
  for (const split of ['train', 'validation', 'test']) {
    const images = arrays[`${split}_images`]!;
    const labels = arrays[`${split}_labels`]!;
    if (!(images instanceof Uint8Array) || !(labels instanceof Uint8Array) || images.length !== labels.length * pixels)
      return `has ${split} images and labels of inconsistent types or sizes`;
    if (labels.some((label) => label >= classes)) return `has ${split} labels outside 0..${classes - 1}`;
  }
  for (const [name, split] of [
    ['train_indices', 'train_labels'],
    ['validation_indices', 'validation_labels'],
  ] as const) {
    if (!(arrays[name] instanceof Uint32Array) || arrays[name].length !== arrays[split]!.length)
      return `has ${name} of the wrong type or length`;
  }
  const set = (split: string): ImageSet => ({
    images: arrays[`${split}_images`] as Uint8Array,
    labels: arrays[`${split}_labels`] as Uint8Array,
    count: arrays[`${split}_labels`]!.length,
  });
  return {
    shape: header.shape as unknown as ImageShape,
    train: set('train'),
    validation: set('validation'),
    test: set('test'),
    trainIndices: arrays.train_indices as Uint32Array,
    validationIndices: arrays.validation_indices as Uint32Array,
  };
}

interface BuildContext {
  readonly source: DatasetSource;
  readonly dir: string | undefined;
  readonly spec: ResolvedDatasetSpec;
  readonly fingerprint: SourceFingerprint;
  readonly key: string;
  readonly cachePath: string | undefined;
}

async function build(context: BuildContext): Promise<Dataset> {
  const { source, spec, key, fingerprint } = context;
  let cachePath = context.cachePath;
  const dataset = (sets: PreparedSets, origin: Dataset['origin']): Dataset => ({
    name: source.name,
    classes: source.classes,
    key,
    cachePath,
    origin,
    ...sets,
  });
  if (cachePath !== undefined) {
    const read = await readCacheFile(cachePath);
    if (read.kind === 'ok') {
      const sets = fromArrays(read.header, read.arrays, key, source.classes.length);
      if (typeof sets !== 'string') return dataset(sets, 'cache');
      process.emitWarning(`dataset cache ${cachePath} ${sets}; decoding ${source.name} again`);
    } else if (read.kind === 'invalid') {
      process.emitWarning(`dataset cache ${cachePath} is unusable (${read.reason}); decoding ${source.name} again`);
    }
  }
  const sets = prepareSets(await source.decode(context.dir), source.classes.length, spec);
  if (cachePath !== undefined) {
    const meta = {
      key,
      name: source.name,
      classes: source.classes,
      shape: sets.shape,
      pixels: 'float = byte / 255',
      spec: keySpec(spec),
      source: fingerprint,
    };
    try {
      await writeCacheFile(cachePath, meta, toArrays(sets));
    } catch (error) {
      // Training can go on from memory; only sharing with other processes is lost.
      process.emitWarning(`${(error as Error).message}; continuing without the disk cache`);
      cachePath = undefined;
    }
  }
  return dataset(sets, 'decoded');
}

/** Loads a dataset by spec or bare name (see the file header for the order of look-ups). */
export async function loadDataset(spec: DatasetSpec | string, options: LoadOptions = {}): Promise<Dataset> {
  const resolved = resolveSpec(spec);
  if (resolved.pack !== undefined) return loadPacked(resolved, resolved.pack, options);
  const { source, dir } = sourceOf(resolved, options);
  return loadFrom(source, dir, resolved, options, source.name);
}

/**
 * Whether this host has the files `loadDataset` would read, by a stat of each (no decoding): throws the
 * loader's own NOT_FOUND naming the missing file and how to get it. A search with local worker slots calls
 * it before the run exists, so a missing dataset is refused before anything is queued. A pack is checked
 * where it is made (cli/dataset-source.ts), and workers fetch it from Redis.
 */
export async function checkDatasetFiles(spec: DatasetSpec | string, options: LoadOptions = {}): Promise<void> {
  const resolved = resolveSpec(spec);
  if (resolved.pack !== undefined) return;
  const { source, dir } = sourceOf(resolved, options);
  await source.fingerprint(dir);
}

function sourceOf(resolved: ResolvedDatasetSpec, options: LoadOptions): { source: DatasetSource; dir: string | undefined } {
  const source = datasetSources.get(resolved.name);
  const given = options.dir ?? (process.env[dirEnvVar(source.name)] || undefined) ?? source.defaultDir;
  // Absolute, so error messages and cache keys do not depend on the working directory.
  return { source, dir: given === undefined ? undefined : resolve(given) };
}

/**
 * A user source, by its pack: fetched first when this host lacks it. Its classes
 * and shape come from the pack's header; the split and transforms are the spec's, as for any dataset.
 */
async function loadPacked(resolved: ResolvedDatasetSpec, sha256: string, options: LoadOptions): Promise<Dataset> {
  const path = await ensurePack(sha256, resolvePackDir(options));
  const header = readPackHeaderSync(sha256, dirname(path));
  const source: DatasetSource = {
    name: resolved.name,
    description: `pack ${sha256}`,
    classes: header.classes,
    shape: header.shape,
    defaultDir: undefined,
    fingerprint: () => Promise.resolve({ origin: `pack:${sha256}`, files: [] }),
    decode: async () => (await readPack(path)).decoded,
  };
  return loadFrom(source, undefined, resolved, options, 'pack');
}

async function loadFrom(
  source: DatasetSource,
  dir: string | undefined,
  resolved: ResolvedDatasetSpec,
  options: LoadOptions,
  stem: string,
): Promise<Dataset> {
  const fingerprint = await source.fingerprint(dir);
  const key = datasetKey(resolved, fingerprint);
  const cachePath = options.cache === false ? undefined : join(resolveCacheDir(options), 'datasets', `${stem}-${key}.bqds`);
  const memoKey = `${key}\n${cachePath ?? ''}`;
  let pending = memo.get(memoKey);
  if (pending === undefined) {
    pending = build({ source, dir, spec: resolved, fingerprint, key, cachePath });
    memo.set(memoKey, pending);
    // A failed load must not stick: the user may fix the files and retry in the same process.
    pending.catch(() => {
      if (memo.get(memoKey) === pending) memo.delete(memoKey);
    });
  }
  return pending;
}
