/**
 * From a strategy's candidate key to everything the queue and the store need:
 * the stable hash, the full network IR and its cost, through the space's entry
 * in the search-space registry (search-space/spaces/). NSC keys are canonical
 * block codes assembled into the BlockQNN network; NAS-Bench-201 keys are arch
 * strings built into the NB201 macro network.
 *
 * `hashOf` is cheap, so the search loop recognises a known or in-flight
 * candidate before it builds anything. A factory made without IRs (a lookup
 * task: the table engine reads the key) costs a candidate with the space's cost
 * model instead of building it; a space whose rows keep no IR (`storesIr`) has
 * it rebuilt from the key on read.
 */
import {
  type ExtraLayerType,
  type NetworkIr,
  type NetworkOptions,
  type SpaceNetwork,
  type SpaceSettings,
  networkCost,
  searchSpaces,
} from '../search-space/index.js';
import type { TrainingTask } from '../task/task.js';

export interface MaterializedCandidate {
  key: string;
  hash: string;
  /** Absent when the factory was made without IRs (lookup tasks on NAS-Bench-201). */
  ir?: NetworkIr | undefined;
  /** An image-to-image candidate's role networks (`ir` is then its generator); the job carries them all. */
  networks?: Record<string, NetworkIr> | undefined;
  /** The task its job carries when it is not the run's (a generative baseline names its own procedure). */
  task?: TrainingTask | undefined;
  flops: number;
  params: number;
  density: number;
}

export interface CandidateFactory {
  readonly space: string;
  /** Whether the store should keep the IR: false where it is rebuilt from the key on read. */
  readonly storesIr: boolean;
  /** The candidate's hash alone (what `materialize` would give as `hash`); throws as `materialize` does for a malformed key. */
  hashOf(key: string): string;
  materialize(key: string): MaterializedCandidate;
}

/** Candidates of the registered space `space`, built into `network` (`withIr` false: costed without building). */
export function spaceCandidates(space: string, settings: SpaceSettings, network: SpaceNetwork, withIr = true): CandidateFactory {
  const entry = searchSpaces.get(space);
  let cost: ((key: string) => { macs: number; params: number }) | undefined;
  // A long search proposes each candidate many times: each key is parsed and hashed once.
  const hashes = new Map<string, string>();
  return {
    space,
    storesIr: entry.storesIr,
    hashOf: (key) => {
      let hash = hashes.get(key);
      if (hash === undefined) hashes.set(key, (hash = entry.hash(key, settings)));
      return hash;
    },
    materialize(key) {
      const density = entry.density(key, settings);
      if (withIr) {
        const checked = entry.build(key, settings, network);
        const c = networkCost(checked);
        return { key, hash: entry.hash(key, settings), ir: checked.ir, flops: c.macs, params: c.params, density };
      }
      const c = (cost ??= entry.costModel(settings, network))(key);
      return { key, hash: entry.hash(key, settings), flops: c.macs, params: c.params, density };
    },
  };
}

export function nscCandidates(network: NetworkOptions, maxIndex: number, extraTypes: readonly ExtraLayerType[] = []): CandidateFactory {
  return spaceCandidates('nsc', { maxIndex, extraTypes }, network);
}

export function nb201Candidates(
  options: { inputShape?: [number, number, number]; classes?: number; withIr?: boolean } = {},
): CandidateFactory {
  const { withIr = true, ...network } = options;
  return spaceCandidates('nasbench201', {}, network, withIr);
}
