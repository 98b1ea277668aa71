/**
 * From a decoded source to the sets a job trains on, in this order: seeded
 * stratified split (split.ts), optional training subset, then resize and channel
 * conversion (transform.ts) of train, validation and test alike, so the network
 * input shape is one shape. The order is fixed: changing it changes the data
 * behind existing cache keys, so bump PREPARE_VERSION with it.
 */
import type { ResolvedDatasetSpec } from './spec.js';
import { defaultValidationSize, splitIndices } from './split.js';
import { convertChannels, gather, resizeImages } from './transform.js';
import type { DecodedSource, ImageSet, ImageShape } from './types.js';

/** Part of every cache key: bump when split or transform output changes for the same spec. */
export const PREPARE_VERSION = 1;

export interface PreparedSets {
  readonly shape: ImageShape;
  readonly train: ImageSet;
  readonly validation: ImageSet;
  readonly test: ImageSet;
  readonly trainIndices: Uint32Array;
  readonly validationIndices: Uint32Array;
}

export function prepareSets(decoded: DecodedSource, classCount: number, spec: ResolvedDatasetSpec): PreparedSets {
  const { pool, shape } = decoded;
  const indices = splitIndices(pool.labels, classCount, {
    seed: spec.seed,
    validationSize: spec.validationSize ?? defaultValidationSize(pool.count),
    subset: spec.subset,
  });
  let sets = [gather(pool, shape, indices.train), gather(pool, shape, indices.validation), decoded.test];
  let current: ImageShape = shape;
  if (spec.imageSize !== undefined) {
    const size = spec.imageSize;
    sets = sets.map((set) => resizeImages(set, current, size, size, spec.resize));
    current = [size, size, current[2]];
  }
  if (spec.channels !== undefined && spec.channels !== current[2]) {
    const channels = spec.channels;
    sets = sets.map((set) => convertChannels(set, current, channels));
    current = [current[0], current[1], channels];
  }
  const [train, validation, test] = sets as [ImageSet, ImageSet, ImageSet];
  return { shape: current, train, validation, test, trainIndices: indices.train, validationIndices: indices.validation };
}
