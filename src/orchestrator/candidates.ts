/**
 * From a strategy's candidate key to everything the queue and the store need:
 * the stable hash, the full network IR and its cost. NSC keys are canonical
 * block codes assembled into the BlockQNN network; NAS-Bench-201 keys are arch
 * strings built into the NB201 macro network.
 *
 * `hashOf` is cheap, so the search loop recognises a known or in-flight
 * candidate before it builds anything. A NAS-Bench-201 factory made for a
 * lookup task builds no IR at all (the table engine reads the key; the cost
 * comes from nb201-cost.ts), and NAS-Bench-201 IRs are never stored: the store
 * rebuilds them from the arch string on read.
 */
import { createHash } from 'node:crypto';
import {
  type ExtraLayerType, type NetworkIr, type NetworkOptions, NB201_EDGES, assembleNetwork, blockHash, buildNb201Network, density, networkCost,
  parseNb201, parseNsc,
} from '../search-space/index.js';
import type { TrainingTask } from '../task/task.js';
import { nb201CostModel } from './nb201-cost.js';

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
  readonly space: 'nsc' | 'nasbench201';
  /** Whether the store should keep the IR: false where it is rebuilt from the key on read. */
  readonly storesIr: boolean;
  /** The candidate's hash alone (what `materialize` would give as `hash`); throws as `materialize` does for a malformed key. */
  hashOf(key: string): string;
  materialize(key: string): MaterializedCandidate;
}

export function nscCandidates(network: NetworkOptions, maxIndex: number, extraTypes: readonly ExtraLayerType[] = []): CandidateFactory {
  return {
    space: 'nsc',
    storesIr: true,
    hashOf: (key) => blockHash(parseNsc(key, { maxIndex, extraTypes })),
    materialize(key) {
      const block = parseNsc(key, { maxIndex, extraTypes });
      const checked = assembleNetwork(block, network);
      const cost = networkCost(checked);
      return { key, hash: blockHash(block), ir: checked.ir, flops: cost.macs, params: cost.params, density: density(block) };
    },
  };
}

/**
 * Density of an NB201 cell: edges that carry an op (not "none") over the cell's
 * four nodes, the same edges/nodes definition as for NSC blocks.
 */
export function nb201Density(arch: string): number {
  const ops = parseNb201(arch);
  return ops.filter((op) => op !== 'none').length / 4;
}

const nb201Hash = (key: string) => createHash('sha256').update(`nb201:${key}`).digest('hex').slice(0, 32);

export function nb201Candidates(options: { inputShape?: [number, number, number]; classes?: number; withIr?: boolean } = {}): CandidateFactory {
  const { withIr = true, ...network } = options;
  let cost: ReturnType<typeof nb201CostModel> | undefined;
  // The space has 15,625 cells and a long search proposes each many times: each key is parsed and hashed once.
  const hashes = new Map<string, string>();
  return {
    space: 'nasbench201',
    storesIr: false,
    hashOf: (key) => {
      let hash = hashes.get(key);
      if (hash === undefined) {
        parseNb201(key);
        hashes.set(key, (hash = nb201Hash(key)));
      }
      return hash;
    },
    materialize(key) {
      const cell = parseNb201(key);
      const density = Math.max(cell.filter((op) => op !== 'none').length / 4, 1 / NB201_EDGES.length);
      if (withIr) {
        const checked = buildNb201Network(cell, network);
        const c = networkCost(checked);
        return { key, hash: nb201Hash(key), ir: checked.ir, flops: c.macs, params: c.params, density };
      }
      const c = (cost ??= nb201CostModel(network))(cell);
      return { key, hash: nb201Hash(key), flops: c.macs, params: c.params, density };
    },
  };
}
