/**
 * What a search needs to know of a dataset before anything trains: the image
 * shape its spec produces and its class names. For a built-in dataset they are
 * the registry's; for a pack (a user source) they are in the pack's header, read
 * from this host's pack directory (the controller packed it there).
 */
import { readPackHeaderSync, resolvePackDir } from './packs.js';
import { datasetSources } from './sources.js';
import { resolveSpec, specShape } from './spec.js';
import type { DatasetSpec } from './spec.js';
import type { ImageShape } from './types.js';

export interface DatasetFacts {
  /** `[height, width, channels]` after the spec's resize and channel conversion. */
  readonly shape: [number, number, number];
  /** As decoded, before the spec's transforms. */
  readonly decodedShape: ImageShape;
  readonly classes: readonly string[];
}

export function datasetFacts(spec: DatasetSpec, options: { dataDir?: string; cacheDir?: string } = {}): DatasetFacts {
  const resolved = resolveSpec(spec);
  const { shape, classes } =
    resolved.pack !== undefined ? readPackHeaderSync(resolved.pack, resolvePackDir(options)) : datasetSources.get(resolved.name);
  return { shape: specShape(resolved, shape), decodedShape: shape, classes };
}
