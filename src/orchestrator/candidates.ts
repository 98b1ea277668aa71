/**
 * From a strategy's candidate key to everything the queue and the store need:
 * the stable hash, the full network IR and its cost. NSC keys are canonical
 * block codes assembled into the BlockQNN network; NAS-Bench-201 keys are arch
 * strings built into the NB201 macro network.
 */
import { createHash } from 'node:crypto';
import {
  type ExtraLayerType, type NetworkIr, type NetworkOptions, NB201_EDGES, assembleNetwork, blockHash, buildNb201Network, density, networkCost,
  parseNb201, parseNsc,
} from '../search-space/index.js';

export interface MaterializedCandidate {
  key: string;
  hash: string;
  ir: NetworkIr;
  flops: number;
  params: number;
  density: number;
}

export interface CandidateFactory {
  readonly space: 'nsc' | 'nasbench201';
  materialize(key: string): MaterializedCandidate;
}

export function nscCandidates(network: NetworkOptions, maxIndex: number, extraTypes: readonly ExtraLayerType[] = []): CandidateFactory {
  return {
    space: 'nsc',
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

export function nb201Candidates(options: { inputShape?: [number, number, number]; classes?: number } = {}): CandidateFactory {
  return {
    space: 'nasbench201',
    materialize(key) {
      const cell = parseNb201(key);
      const checked = buildNb201Network(cell, options);
      const cost = networkCost(checked);
      const hash = createHash('sha256').update(`nb201:${key}`).digest('hex').slice(0, 32);
      return { key, hash, ir: checked.ir, flops: cost.macs, params: cost.params, density: Math.max(nb201Density(key), 1 / NB201_EDGES.length) };
    },
  };
}
