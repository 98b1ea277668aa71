/**
 * A run's stored configuration as its search space reads it: which space, the
 * settings the space takes and the network a key is built into. Readers of
 * stored runs (export, server, the store's IR rebuild) get these here, so none
 * of them interprets the configuration's space fields on its own.
 *
 * Lenient, because stored rows outlive versions: runs stored before spaces
 * were named are NSC runs, and a field of the wrong type reads as absent.
 */
import { z } from 'zod';
import type { NetworkIr } from '../ir.js';
import { searchSpaces } from './registry.js';
import type { SearchSpaceEntry, SpaceNetwork, SpaceSettings } from './types.js';

export interface RunSpace {
  name: string;
  entry: SearchSpaceEntry;
  /** Only the settings the space reads (its entry's `settings`). */
  settings: SpaceSettings;
  network: SpaceNetwork;
}

const size = z.number().int().positive();
const loose = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);
const storedSchema = z.object({
  space: loose(z.string()),
  maxIndex: loose(z.number().int()),
  nscTypes: loose(z.array(z.string())),
  network: z
    .object({
      inputShape: loose(z.tuple([size, size, size])),
      classes: loose(size),
      blocksPerStage: loose(size),
      baseFilters: loose(size),
      stages: loose(size),
      downsample: loose(z.string()),
    })
    .catch({}),
});

const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** The space of a run with stored configuration `config`, its settings and its network. */
export function runSpaceOf(config: unknown): RunSpace {
  const parsed = storedSchema.safeParse(config ?? {});
  const stored = parsed.success ? parsed.data : { network: {} };
  const name = stored.space !== undefined && searchSpaces.has(stored.space) ? stored.space : 'nsc';
  const entry = searchSpaces.get(name);
  const all: SpaceSettings = { maxIndex: stored.maxIndex, extraTypes: stored.nscTypes as SpaceSettings['extraTypes'] };
  const settings = defined(Object.fromEntries(entry.settings.map((k) => [k, all[k]])) as SpaceSettings);
  return { name, entry, settings, network: defined(stored.network ?? {}) };
}

/**
 * The IR of a candidate row of a space that stores none (`storesIr` false),
 * rebuilt from its key and its run's stored configuration; null where the
 * space stores IRs or the key is not one of the space's.
 */
export function rebuildStoredIr(config: unknown, key: string): NetworkIr | null {
  const { entry, settings, network } = runSpaceOf(config);
  if (entry.storesIr) return null;
  try {
    return entry.build(key, settings, network).ir;
  } catch {
    return null; // not a key of the space: a row without an IR stays one
  }
}
