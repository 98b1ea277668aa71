/** The search-space registry: one folder per space, one line per space in registry.ts. */
export { searchSpaces } from './registry.js';
export type { SearchSpaceEntry, SpaceCost, SpaceGraph, SpaceNetwork, SpaceSettings } from './types.js';
