/** BlockQNN's Network Structure Code blocks (Zhong et al. CVPR 2018, Table 1), assembled into the BlockQNN network. */
import { assembleNetwork } from '../../assemble.js';
import { blockHash, canonicalText } from '../../canonical.js';
import { networkCost } from '../../cost.js';
import { EXTRA_LAYER_TYPE_NAMES, LAYER_TYPE_NAMES, LayerType, type NscBlock, density, inputsOf, outputLayers, parseNsc } from '../../nsc.js';
import type { SearchSpaceEntry, SpaceGraph, SpaceNetwork, SpaceSettings } from '../types.js';

const parse = (key: string, s: SpaceSettings): NscBlock => parseNsc(key, { ...(s.maxIndex !== undefined ? { maxIndex: s.maxIndex } : {}), ...(s.extraTypes ? { extraTypes: s.extraTypes } : {}) });

const NSC_KIND: Record<number, string> = { 1: 'conv', 2: 'pool', 3: 'pool', 4: 'identity', 5: 'merge', 6: 'merge' };

function assemble(block: NscBlock, network: SpaceNetwork, filters?: number) {
  const defined = Object.fromEntries(Object.entries(network).filter(([, v]) => v !== undefined));
  return assembleNetwork(block, { ...defined, ...(filters ? { baseFilters: filters } : {}) } as Parameters<typeof assembleNetwork>[1]);
}

export const nscSpace: SearchSpaceEntry = {
  description: "BlockQNN blocks (NSC codes), stacked into the paper's network",
  example: '(1,1,3,0,0)(2,1,3,1,0)(3,5,0,1,2)(4,7,0,0,0)',
  storesIr: true,
  networkInTaskKey: true,
  decisionSettings: (s) => ({ ...(s.maxIndex !== undefined ? { maxIndex: s.maxIndex } : {}), ...(s.extraTypes && s.extraTypes.length > 0 ? { types: s.extraTypes.join(',') } : {}) }),
  canonical: (key, s) => canonicalText(parse(key, s)),
  hash: (key, s) => blockHash(parse(key, s)),
  build: (key, s, network, filters) => assemble(parse(key, s), network, filters),
  density: (key, s) => density(parse(key, s)),
  costModel: (s, network) => (key) => {
    const { macs, params } = networkCost(assemble(parse(key, s), network));
    return { macs, params };
  },
  blockGraph(key): SpaceGraph {
    // Drawn whatever the run's settings were: any index and every layer type parse.
    const block = parseNsc(key, { maxIndex: 64, extraTypes: EXTRA_LAYER_TYPE_NAMES });
    const nodes: SpaceGraph['nodes'] = [{ id: 'L0', label: 'input', kind: 'io' }];
    const edges: SpaceGraph['edges'] = [];
    for (const layer of block) {
      if (layer.type === LayerType.terminal) continue;
      const name = LAYER_TYPE_NAMES[layer.type];
      const label = layer.kernel > 0 ? `${name} ${layer.kernel}×${layer.kernel}` : name;
      nodes.push({ id: `L${layer.index}`, label, kind: NSC_KIND[layer.type] ?? 'other', detail: `layer ${layer.index}: (${layer.index},${layer.type},${layer.kernel},${layer.pred1},${layer.pred2})` });
      for (const p of inputsOf(layer)) edges.push({ from: `L${p}`, to: `L${layer.index}` });
    }
    nodes.push({ id: 'out', label: 'output (concat)', kind: 'io' });
    for (const l of outputLayers(block)) edges.push({ from: `L${l.index}`, to: 'out' });
    return { nodes, edges };
  },
  layerTypes: (key) => parseNsc(key, { maxIndex: 64, extraTypes: EXTRA_LAYER_TYPE_NAMES }).filter((l) => l.type !== LayerType.terminal).map((l) => LAYER_TYPE_NAMES[l.type]),
};
