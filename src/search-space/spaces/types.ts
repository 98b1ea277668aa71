/**
 * What a search space is to the rest of the system, beside its decision
 * process (the controller's `decisionSpaces`): how a candidate's key is parsed
 * and hashed, the network built around it, its cost, whether candidate rows
 * keep their IR, and the block graph pictures and the dashboard draw. Pure: no
 * I/O. One folder per space under spaces/, one line per space in registry.ts.
 */
import type { CheckedIr } from '../graph.js';
import type { NetworkLayout } from '../layouts.js';
import type { ExtraLayerType } from '../nsc.js';

/** A run's settings of its space (NSC: the largest layer index and the extra layer types; others ignore them). */
export interface SpaceSettings {
  maxIndex?: number | undefined;
  extraTypes?: readonly ExtraLayerType[] | undefined;
}

/** The network a key is built into: the run's `network` configuration (a space uses what applies to it). */
export interface SpaceNetwork {
  inputShape?: [number, number, number] | undefined;
  classes?: number | undefined;
  blocksPerStage?: number | undefined;
  baseFilters?: number | undefined;
  stages?: number | undefined;
  downsample?: string | undefined;
  /** The macro-structure to stack the key into (a space whose `fixedNetwork` is null reads it). */
  layout?: NetworkLayout | undefined;
}

export interface SpaceGraph {
  nodes: { id: string; label: string; kind: string; detail?: string }[];
  edges: { from: string; to: string }[];
}

/** How the exported figure colours a node. */
export type PictureKind = 'io' | 'conv' | 'pool' | 'merge' | 'other';

/** The block or cell as the exported figure (svg, png) draws it: a titled DAG whose edges may carry labels. */
export interface SpacePicture {
  title: string;
  nodes: { id: string; label: string; kind: PictureKind; detail?: string }[];
  edges: { from: string; to: string; label?: string }[];
}

export interface SpaceCost {
  macs: number;
  params: number;
}

export interface SearchSpaceEntry {
  /** One line for --help and the dashboard. */
  readonly description: string;
  /** A valid key, for help texts and the registry's conformance test. */
  readonly example: string;
  /** Whether candidate rows keep their IR; false where readers rebuild it from the key with `build`. */
  readonly storesIr: boolean;
  /** Whether a result depends on the network built around the key (then the network is part of the task key). */
  readonly networkInTaskKey: boolean;
  /** The settings the space reads: a run's other settings are not its own (exports record only these). */
  readonly settings: readonly (keyof SpaceSettings)[];
  /**
   * Null where `build` reads the run's network options, a layout included.
   * Otherwise the network around a key is fixed but for its input shape and
   * classes, and this names what a key is, for the messages that refuse a
   * layout (e.g. 'a NAS-Bench-201 cell, whose network the benchmark fixes').
   */
  readonly fixedNetwork: string | null;
  /** The settings the controller's decision space of the same name takes, from the run's settings. */
  decisionSettings(settings: SpaceSettings): Record<string, unknown>;
  /** The key in canonical form; throws a BlockqnnError naming the problem for a malformed key. */
  canonical(key: string, settings: SpaceSettings): string;
  /** The candidate's stable hash (the same for every spelling of the same architecture). */
  hash(key: string, settings: SpaceSettings): string;
  /** The network around the key; `filters` widens it (a final training's --filters). */
  build(key: string, settings: SpaceSettings, network: SpaceNetwork, filters?: number): CheckedIr;
  /** Edges / nodes of the key's block or cell, as the reward's density term reads it. */
  density(key: string, settings: SpaceSettings): number;
  /** A function from a key to its network's cost, as `networkCost` of `build` counts it, made once per network. */
  costModel(settings: SpaceSettings, network: SpaceNetwork): (key: string) => SpaceCost;
  /** The block or cell as a DAG for the dashboard. */
  blockGraph(key: string, settings: SpaceSettings): SpaceGraph;
  /** The block or cell as the exported figure draws it. */
  picture(key: string, settings: SpaceSettings): SpacePicture;
  /** The layer types (or edge ops) the key samples, for the policy-shift chart. */
  layerTypes(key: string, settings: SpaceSettings): string[];
}
