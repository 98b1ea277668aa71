/** The density of a whole network, for baselines and generators that are not one NSC block (whose density is the block's). */
import type { NetworkIr } from '../search-space/index.js';

/** Edges / nodes of a network's IR graph, counting the input as a node. */
export function irDensity(ir: NetworkIr): number {
  const edges = ir.nodes.reduce((sum, node) => sum + node.inputs.length, 0);
  return edges / (ir.nodes.length + 1);
}
