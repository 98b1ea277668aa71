/** Public surface of the datasets module: sources, loading, the cache format and batch helpers. */
export { PIXEL_SCALE } from './types.js';
export type {
  Dataset,
  DatasetOrigin,
  DatasetSource,
  DecodedSource,
  FileFingerprint,
  ImageSet,
  ImageShape,
  SourceFingerprint,
} from './types.js';
export { datasetSpecSchema, resolveSpec, dirEnvVar, resolveCacheDir, specShape, RESIZE_METHODS } from './spec.js';
export type { DatasetSpec, ResolvedDatasetSpec, LoadOptions, ResizeMethod } from './spec.js';
export { datasetSources } from './sources.js';
export { loadDataset, checkDatasetFiles, clearDatasetMemo, datasetKey } from './load.js';
export { imagesAsFloat32 } from './transform.js';
export { CACHE_MAGIC, CACHE_FORMAT, CACHE_VERSION, readCacheFile } from './cache-file.js';
export type { CacheHeader, CacheArrayInfo, CacheRead } from './cache-file.js';
export { FASHION_MNIST_DEBIAN_DIR } from './fashion-mnist.js';
export { CIFAR10_FOLDER } from './cifar10.js';
export { sourceKinds, parseSourceRef } from './sources/registry.js';
export type { SourceRef } from './sources/registry.js';
export type { SourceKind, DecodeOptions, DecodedPack, LabelSet } from './sources/types.js';
export { LABEL_SETS } from './sources/types.js';
export {
  packSource,
  readPack,
  readPackHeaderSync,
  ensurePack,
  setPackFetcher,
  resolvePackDir,
  packPath,
  sha256File,
  SHA256_PATTERN,
} from './packs.js';
export type { Pack, PackHeader, PackSummary, PackFetcher, PackOptions } from './packs.js';
export { datasetFacts } from './facts.js';
export type { DatasetFacts } from './facts.js';
export { sampleGrid } from './grid.js';
export type { SampleGrid, GridOptions } from './grid.js';
