/**
 * An NSC block drawn two ways from one walk over its layers: the dashboard's
 * block graph (layer names with their tuples) and the exported figure's
 * (layers numbered "L<index> <op>", coloured by kind).
 */
import {
  EXTRA_LAYER_TYPE_NAMES,
  LAYER_TYPE_NAMES,
  LayerType,
  type NscBlock,
  type NscLayer,
  inputsOf,
  outputLayers,
  parseNsc,
} from '../../nsc.js';
import type { PictureKind, SpaceGraph, SpacePicture } from '../types.js';

/** Input, one node per layer (`L<index>`), and the output node joining the block's leaves. */
function layerGraph<N extends { id: string }>(
  block: NscBlock,
  draw: (layer: NscLayer) => Omit<N, 'id'>,
  input: Omit<N, 'id'>,
  output: Omit<N, 'id'>,
) {
  const nodes = [{ id: 'L0', ...input } as N];
  const edges: { from: string; to: string }[] = [];
  for (const layer of block) {
    if (layer.type === LayerType.terminal) continue;
    nodes.push({ id: `L${layer.index}`, ...draw(layer) } as N);
    for (const p of inputsOf(layer)) edges.push({ from: `L${p}`, to: `L${layer.index}` });
  }
  nodes.push({ id: 'out', ...output } as N);
  for (const l of outputLayers(block)) edges.push({ from: `L${l.index}`, to: 'out' });
  return { nodes, edges };
}

const GRAPH_KIND: Record<number, string> = { 1: 'conv', 2: 'pool', 3: 'pool', 4: 'identity', 5: 'merge', 6: 'merge' };

/** The dashboard's graph: drawn whatever the run's settings were, so any index and every layer type parse. */
export function nscBlockGraph(key: string): SpaceGraph {
  const block = parseNsc(key, { maxIndex: 64, extraTypes: EXTRA_LAYER_TYPE_NAMES });
  return layerGraph<SpaceGraph['nodes'][number]>(
    block,
    (layer) => {
      const name = LAYER_TYPE_NAMES[layer.type];
      const label = layer.kernel > 0 ? `${name} ${layer.kernel}×${layer.kernel}` : name;
      return {
        label,
        kind: GRAPH_KIND[layer.type] ?? 'other',
        detail: `layer ${layer.index}: (${layer.index},${layer.type},${layer.kernel},${layer.pred1},${layer.pred2})`,
      };
    },
    { label: 'input', kind: 'io' },
    { label: 'output (concat)', kind: 'io' },
  );
}

const PICTURE_LABEL: Record<number, (k: number) => string> = {
  [LayerType.conv]: (k) => `conv ${k}×${k}`,
  [LayerType.maxPool]: (k) => `max pool ${k}×${k}`,
  [LayerType.avgPool]: (k) => `avg pool ${k}×${k}`,
  [LayerType.identity]: () => 'identity',
  [LayerType.add]: () => 'add',
  [LayerType.concat]: () => 'concat',
};
const PICTURE_KIND: Record<number, PictureKind> = {
  [LayerType.conv]: 'conv',
  [LayerType.maxPool]: 'pool',
  [LayerType.avgPool]: 'pool',
  [LayerType.add]: 'merge',
  [LayerType.concat]: 'merge',
};

/** The exported figure's block, parsed with the run's settings. Optional types (se, dpp) carry their name and kernel. */
export function nscPicture(block: NscBlock): SpacePicture {
  const leaves = outputLayers(block);
  const graph = layerGraph<SpacePicture['nodes'][number]>(
    block,
    (layer) => {
      const op =
        PICTURE_LABEL[layer.type]?.(layer.kernel) ??
        (layer.kernel > 0 ? `${LAYER_TYPE_NAMES[layer.type]} ${layer.kernel}×${layer.kernel}` : LAYER_TYPE_NAMES[layer.type]);
      return { label: `L${layer.index} ${op}`, kind: PICTURE_KIND[layer.type] ?? 'other' };
    },
    { label: 'input', kind: 'io' },
    { label: leaves.length > 1 ? 'output (concat)' : 'output', kind: 'io' },
  );
  return { title: 'Block', ...graph };
}
