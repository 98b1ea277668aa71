/** The search-space registry: one folder per space, one line per space in registry.ts. */
export { searchSpaces } from './registry.js';
export { runSpaceOf, rebuildStoredIr } from './run-config.js';
export type { RunSpace } from './run-config.js';
export type { PictureKind, SearchSpaceEntry, SpaceCost, SpaceGraph, SpaceNetwork, SpacePicture, SpaceSettings } from './types.js';
