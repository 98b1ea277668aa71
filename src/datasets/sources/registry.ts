/**
 * Every source a user can point `--dataset` at besides the built-in datasets,
 * by scheme: `folder:PATH`, `npz:PATH`, `idx:DIR`, `cifar100[:DIR]`. One file
 * per source, registered here explicitly.
 */
import { Registry } from '../../common/registry.js';
import { cifar100Source } from './cifar100.js';
import { folderSource } from './folder.js';
import { idxSource } from './idx-dir.js';
import { npzSource } from './npz.js';
import type { SourceKind } from './types.js';

export const sourceKinds = new Registry<SourceKind>('dataset source')
  .register(folderSource.scheme, folderSource)
  .register(npzSource.scheme, npzSource)
  .register(idxSource.scheme, idxSource)
  .register(cifar100Source.scheme, cifar100Source);

export interface SourceRef {
  readonly kind: SourceKind;
  /** The text after `scheme:`, or undefined (`cifar100` alone). */
  readonly arg: string | undefined;
  /** As the user wrote it: the dataset's name in jobs, the store and the dashboard. */
  readonly text: string;
}

/**
 * `folder:./x` → the folder source and `./x`; a bare scheme (`cifar100`) → that
 * source with no argument; anything else (a built-in dataset name) → undefined.
 */
export function parseSourceRef(text: string): SourceRef | undefined {
  const colon = text.indexOf(':');
  const scheme = colon < 0 ? text : text.slice(0, colon);
  if (!sourceKinds.has(scheme)) {
    if (colon > 0) sourceKinds.get(scheme); // UNKNOWN_NAME listing the schemes
    return undefined;
  }
  const arg = colon < 0 ? undefined : text.slice(colon + 1) || undefined;
  return { kind: sourceKinds.get(scheme), arg, text };
}
