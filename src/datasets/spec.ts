/**
 * The portable description of a dataset a job trains on. It holds no paths: a job
 * travels to workers on other hosts, each of which finds the files itself
 * (`LoadOptions.dir`, `$BLOCKQNN_<NAME>_DIR` or the source's default directory).
 * The queue contract can embed `datasetSpecSchema` so both ends validate alike.
 */
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { BlockqnnError, ErrorCode } from '../common/errors.js';

export const RESIZE_METHODS = ['area', 'nearest'] as const;
export type ResizeMethod = (typeof RESIZE_METHODS)[number];

export const datasetSpecSchema = z
  .object({
    /** A registered dataset name (`mnist`, `fashion-mnist`, `cifar10`), or with `pack`, the source as the user wrote it (`folder:./photos`). */
    name: z.string().min(1, 'dataset name is empty'),
    /**
     * The sha-256 of the dataset pack (packs.ts) a user source was decoded into: the
     * data itself, so workers on other hosts read it by hash, never by the source's path.
     */
    pack: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'pack must be a sha-256 (64 lowercase hex digits)')
      .optional(),
    /** Seed of the train/validation shuffle (mulberry32, see split.ts). */
    seed: z.number().int('seed must be an integer').min(0, 'seed must be >= 0').max(0xffffffff, 'seed must fit in 32 bits').default(0),
    /**
     * Validation images held out of the training pool; default: 10% of the pool, rounded.
     * 0 trains on the whole pool (a final training, which measures the test set instead).
     */
    validationSize: z.number().int('validationSize must be an integer').nonnegative('validationSize must be >= 0').optional(),
    /** Keep only this many training images (stratified, see split.ts) for cheap proxies. */
    subset: z.number().int('subset must be an integer').positive('subset must be > 0').optional(),
    /** Resize every image to imageSize × imageSize (all three datasets are square). */
    imageSize: z
      .number()
      .int('imageSize must be an integer')
      .min(1, 'imageSize must be >= 1')
      .max(1024, 'imageSize must be <= 1024')
      .optional(),
    resize: z.enum(RESIZE_METHODS, { error: `resize must be one of ${RESIZE_METHODS.join(', ')}` }).default('area'),
    /** Convert to 1 (luminance) or 3 (grey replicated) channels. */
    channels: z
      .number()
      .refine((c) => c === 1 || c === 3, 'channels must be 1 or 3')
      .optional(),
  })
  .strict();

/** A spec as a user or a job writes it (defaults may be left out). */
export type DatasetSpec = z.input<typeof datasetSpecSchema>;
/** A spec with defaults filled in; its JSON is part of the cache key. */
export type ResolvedDatasetSpec = z.output<typeof datasetSpecSchema>;

/** Machine-local settings: they change where data is read and cached, never what it is. */
export interface LoadOptions {
  /** Directory of the source files; default `$BLOCKQNN_<NAME>_DIR`, then the source's default. */
  dir?: string;
  /** Default `$BLOCKQNN_CACHE_DIR`, then `.blockqnn/cache` under the working directory. */
  cacheDir?: string;
  /** Where dataset packs are kept (`blockqnn worker --data-dir`); default `$BLOCKQNN_DATA_DIR`, then `<cacheDir>/packs`. */
  dataDir?: string;
  /** `false` skips the disk cache (the in-process memo still applies). Default true. */
  cache?: boolean;
}

/** Validates a spec (or a bare name) and fills in its defaults. */
export function resolveSpec(spec: DatasetSpec | string): ResolvedDatasetSpec {
  const parsed = datasetSpecSchema.safeParse(typeof spec === 'string' ? { name: spec } : spec);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : 'spec';
    return `${where}: ${issue.message}`;
  });
  throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `invalid dataset spec: ${problems.join('; ')}`, {
    hint: 'a dataset spec is { name, pack?, seed?, validationSize?, subset?, imageSize?, resize?: "area" | "nearest", channels?: 1 | 3 }',
    details: { issues: parsed.error.issues },
  });
}

/** `fashion-mnist` → `BLOCKQNN_FASHION_MNIST_DIR`. */
export function dirEnvVar(name: string): string {
  return `BLOCKQNN_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_DIR`;
}

export function resolveCacheDir(options: LoadOptions): string {
  return resolve(options.cacheDir || process.env.BLOCKQNN_CACHE_DIR || join(process.cwd(), '.blockqnn', 'cache'));
}

/** Shape of the images a spec produces, from the source's decoded shape, the resize and the channel conversion. */
export function specShape(spec: ResolvedDatasetSpec, decoded: readonly [number, number, number]): [number, number, number] {
  const size = spec.imageSize;
  return [size ?? decoded[0], size ?? decoded[1], spec.channels ?? decoded[2]];
}
