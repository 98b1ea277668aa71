/** BlockQNN's Network Structure Code blocks (Zhong et al. CVPR 2018, Table 1), assembled into the BlockQNN network. */
import { assembleNetwork } from '../../assemble.js';
import { blockHash, canonicalText } from '../../canonical.js';
import { networkCost } from '../../cost.js';
import { EXTRA_LAYER_TYPE_NAMES, LAYER_TYPE_NAMES, LayerType, type NscBlock, density, parseNsc } from '../../nsc.js';
import type { SearchSpaceEntry, SpaceNetwork, SpaceSettings } from '../types.js';
import { nscBlockGraph, nscPicture } from './graphs.js';

const parse = (key: string, s: SpaceSettings): NscBlock =>
  parseNsc(key, { ...(s.maxIndex !== undefined ? { maxIndex: s.maxIndex } : {}), ...(s.extraTypes ? { extraTypes: s.extraTypes } : {}) });

function assemble(block: NscBlock, network: SpaceNetwork, filters?: number) {
  const defined = Object.fromEntries(Object.entries(network).filter(([, v]) => v !== undefined));
  return assembleNetwork(block, { ...defined, ...(filters ? { baseFilters: filters } : {}) } as Parameters<typeof assembleNetwork>[1]);
}

export const nscSpace: SearchSpaceEntry = {
  description: "BlockQNN blocks (NSC codes), stacked into the paper's network",
  example: '(1,1,3,0,0)(2,1,3,1,0)(3,5,0,1,2)(4,7,0,0,0)',
  storesIr: true,
  networkInTaskKey: true,
  settings: ['maxIndex', 'extraTypes'],
  fixedNetwork: null,
  decisionSettings: (s) => ({
    ...(s.maxIndex !== undefined ? { maxIndex: s.maxIndex } : {}),
    ...(s.extraTypes && s.extraTypes.length > 0 ? { types: s.extraTypes.join(',') } : {}),
  }),
  canonical: (key, s) => canonicalText(parse(key, s)),
  hash: (key, s) => blockHash(parse(key, s)),
  build: (key, s, network, filters) => assemble(parse(key, s), network, filters),
  density: (key, s) => density(parse(key, s)),
  costModel: (s, network) => (key) => {
    const { macs, params } = networkCost(assemble(parse(key, s), network));
    return { macs, params };
  },
  blockGraph: (key) => nscBlockGraph(key),
  picture: (key, s) => nscPicture(parse(key, s)),
  layerTypes: (key) =>
    parseNsc(key, { maxIndex: 64, extraTypes: EXTRA_LAYER_TYPE_NAMES })
      .filter((l) => l.type !== LayerType.terminal)
      .map((l) => LAYER_TYPE_NAMES[l.type]),
};
