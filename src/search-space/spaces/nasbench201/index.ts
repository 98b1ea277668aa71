/**
 * NAS-Bench-201 cells (Dong & Yang, ICLR 2020): an op on each of the six edges
 * of a 4-node DAG, built into the NB201 macro network. Candidate rows keep no
 * IR: it is a pure function of the arch string and the network shape, and at
 * table speed writing an 18 KB IR per row was the store's largest cost.
 */
import { createHash } from 'node:crypto';
import { NB201_EDGES, buildNb201Network, parseNb201, printNb201 } from '../../nasbench201.js';
import type { SearchSpaceEntry, SpaceGraph, SpaceNetwork, SpacePicture } from '../types.js';
import { nb201CostModel } from './cost.js';

const NB201_KIND: Record<string, string> = { skip_connect: 'identity', nor_conv_1x1: 'conv', nor_conv_3x3: 'conv', avg_pool_3x3: 'pool' };

/** The macro network takes only the input shape and the classes from a run's network settings. */
const shapeOf = (n: SpaceNetwork) => ({
  ...(n.inputShape ? { inputShape: n.inputShape } : {}),
  ...(n.classes ? { classes: n.classes } : {}),
});

export const nasbench201Space: SearchSpaceEntry = {
  description: "NAS-Bench-201 cells (an op on each edge of a 4-node cell), in the benchmark's macro network",
  example: '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|',
  storesIr: false,
  // One fixed macro network: a cell's result does not depend on the run's network settings.
  networkInTaskKey: false,
  settings: [],
  fixedNetwork: 'a NAS-Bench-201 cell, whose network the benchmark fixes',
  decisionSettings: () => ({}),
  canonical: (key) => printNb201(parseNb201(key)),
  // The key as written (arch strings have one spelling per cell); parsing first rejects a malformed one.
  hash: (key) => (parseNb201(key), createHash('sha256').update(`nb201:${key}`).digest('hex').slice(0, 32)),
  build: (key, _s, network, filters) =>
    buildNb201Network(parseNb201(key), { ...shapeOf(network), ...(filters ? { channels: filters } : {}) }),
  // Edges that carry an op over the cell's four nodes (an all-none cell counts one edge, so the log stays finite).
  density: (key) => Math.max(parseNb201(key).filter((op) => op !== 'none').length / 4, 1 / NB201_EDGES.length),
  costModel: (_s, network) => {
    const model = nb201CostModel(shapeOf(network));
    return (key) => model(parseNb201(key));
  },
  blockGraph(key): SpaceGraph {
    const cell = parseNb201(key);
    const names = ['input', 'node 1', 'node 2', 'output'];
    const nodes: SpaceGraph['nodes'] = names.map((label, i) => ({
      id: `n${i}`,
      label,
      kind: i === 0 || i === 3 ? 'io' : 'merge',
      ...(i > 0 ? { detail: 'sum of incoming edges' } : {}),
    }));
    const edges: SpaceGraph['edges'] = [];
    NB201_EDGES.forEach(([to, from], i) => {
      const op = cell[i]!;
      if (op === 'none') return;
      const id = `e${from}${to}`;
      nodes.push({
        id,
        label: op.replace('nor_', '').replace('_connect', ''),
        kind: NB201_KIND[op] ?? 'other',
        detail: `edge ${from}→${to}: ${op}`,
      });
      edges.push({ from: `n${from}`, to: id }, { from: id, to: `n${to}` });
    });
    return { nodes, edges };
  },
  picture(key): SpacePicture {
    // The cell's four nodes, and its ops as edge labels ('none' edges are absent).
    const ops = parseNb201(key);
    const nodes: SpacePicture['nodes'] = [0, 1, 2, 3].map((i) => ({
      id: `n${i}`,
      label: i === 0 ? 'node 0 (input)' : i === 3 ? 'node 3 (output)' : `node ${i}`,
      kind: i === 0 || i === 3 ? 'io' : 'other',
    }));
    const edges: SpacePicture['edges'] = [];
    NB201_EDGES.forEach(([to, from], i) => {
      if (ops[i] !== 'none') edges.push({ from: `n${from}`, to: `n${to}`, label: ops[i]! });
    });
    return { title: `Cell ${key}`, nodes, edges };
  },
  layerTypes: (key) => [...parseNb201(key)],
};
