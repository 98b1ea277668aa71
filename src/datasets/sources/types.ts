/**
 * A dataset source the user points at (`folder:PATH`, `npz:PATH`, `idx:DIR`,
 * `cifar100`): unlike the built-in datasets its classes and shape come from the
 * data. The controller decodes it once into a pack (packs.ts), named by the
 * sha-256 of its bytes; jobs carry that hash, so every worker and every engine
 * reads the same arrays whatever the source was.
 */
import type { ImageSet, ImageShape, SourceFingerprint } from '../types.js';

export const LABEL_SETS = ['fine', 'coarse'] as const;
export type LabelSet = (typeof LABEL_SETS)[number];

/** Options that change what a source decodes to (so they are part of the pack's identity). */
export interface DecodeOptions {
  /** Resize every image to imageSize × imageSize while decoding (folder: required when sizes differ). */
  readonly imageSize?: number | undefined;
  /** 1 (grey) or 3 (RGB); default: follow the data. */
  readonly channels?: 1 | 3 | undefined;
  /** CIFAR-100: the 100 fine labels (default) or the 20 coarse superclasses. */
  readonly labels?: LabelSet | undefined;
  /** npz: the layout of 4-D image arrays when their shape fits both (e.g. N×3×3×3). */
  readonly layout?: 'nhwc' | 'nchw' | undefined;
  /** Folder: skip unreadable images (and report how many) instead of refusing the folder. */
  readonly skipBad?: boolean | undefined;
}

/** What a source decodes to: the arrays of a pack plus what the user should be told about them. */
export interface DecodedPack {
  readonly classes: readonly string[];
  readonly shape: ImageShape;
  readonly pool: ImageSet;
  readonly test: ImageSet;
  /** How the data was read, e.g. "layout NCHW detected", "test: 20% stratified split (seed 0)". */
  readonly notes: readonly string[];
}

/**
 * One kind of source, registered in registry.ts under its scheme. `arg` is the
 * text after `scheme:` (a path), or undefined for `cifar100` with no directory.
 */
export interface SourceKind {
  readonly scheme: string;
  /** One line for `--help`: what the source reads. */
  readonly description: string;
  /** How to write it, e.g. `folder:PATH`. */
  readonly usage: string;
  /** The decode options it reads; others are refused, so a pack's identity holds only what changed it. */
  readonly options: readonly (keyof DecodeOptions)[];
  /** Stats (never reads) the files it would decode; throws NOT_FOUND naming the path and the fix. */
  fingerprint(arg: string | undefined, options: DecodeOptions): Promise<SourceFingerprint>;
  /** Reads and validates everything; throws INVALID_INPUT naming the file and the fix. */
  decode(arg: string | undefined, options: DecodeOptions): Promise<DecodedPack>;
}
