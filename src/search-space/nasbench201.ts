/**
 * NAS-Bench-201 cell space (Dong & Yang, "NAS-Bench-201: Extending the Scope of
 * Reproducible Neural Architecture Search", ICLR 2020): a cell is a DAG of 4 nodes
 * whose 6 edges (j ← i for i < j) each carry one of 5 ops; node j sums its
 * incoming edges. Arch strings read `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`, the
 * groups being the inputs of nodes 1, 2 and 3.
 */
import { InvalidArchitectureError } from '../common/errors.js';
import { IrBuilder } from './builder.js';
import type { CheckedIr } from './graph.js';
import { INPUT_ID } from './ir.js';

export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;
export type Nb201Op = (typeof NB201_OPS)[number];

/** Edges in arch-string order, as [to, from]. */
export const NB201_EDGES: readonly (readonly [number, number])[] = [
  [1, 0],
  [2, 0],
  [2, 1],
  [3, 0],
  [3, 1],
  [3, 2],
];

/** A cell: one op per edge, in NB201_EDGES order. */
export type Nb201Cell = readonly Nb201Op[];

export const NB201_CELL_COUNT = NB201_OPS.length ** NB201_EDGES.length; // 15,625

function invalid(text: string, problem: string): never {
  throw new InvalidArchitectureError(`invalid NAS-Bench-201 arch string ${JSON.stringify(text)}: ${problem}`, {
    hint: 'write |op~0|+|op~0|op~1|+|op~0|op~1|op~2| with ops none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3',
    details: { rule: 'nasbench201' },
  });
}

export function parseNb201(text: string): Nb201Cell {
  const groups = text.trim().split('+');
  if (groups.length !== 3) invalid(text, `expected 3 node groups separated by "+", got ${groups.length}`);
  const ops: Nb201Op[] = [];
  groups.forEach((group, g) => {
    const node = g + 1;
    const m = /^\|(.*)\|$/.exec(group);
    if (!m) invalid(text, `group ${node} must start and end with "|"`);
    const edges = m[1]!.split('|');
    if (edges.length !== node) invalid(text, `node ${node} must have ${node} incoming edges, got ${edges.length}`);
    edges.forEach((edge, from) => {
      const [op, source] = edge.split('~');
      if (!(NB201_OPS as readonly string[]).includes(op ?? '')) invalid(text, `unknown op ${JSON.stringify(op)} on edge ${from}→${node}`);
      if (source !== String(from)) invalid(text, `edge ${edge} of node ${node} must read from node ${from}`);
      ops.push(op as Nb201Op);
    });
  });
  return ops;
}

export function printNb201(cell: Nb201Cell): string {
  if (cell.length !== NB201_EDGES.length) throw new InvalidArchitectureError(`a NAS-Bench-201 cell has 6 edges, got ${cell.length}`);
  const groups = [1, 2, 3].map((node) => {
    const edges = NB201_EDGES.map(([to, from], i) => [to, from, i] as const).filter(([to]) => to === node);
    return `|${edges.map(([, from, i]) => `${cell[i]}~${from}`).join('|')}|`;
  });
  return groups.join('+');
}

export interface Nb201NetworkOptions {
  inputShape: [number, number, number];
  classes: number;
  /** Stem width; doubles at each of the two reduction blocks. Default 16. */
  channels: number;
  /** Cells per stage. Default 5. */
  cellsPerStage: number;
}

const NB201_DEFAULTS: Nb201NetworkOptions = { inputShape: [32, 32, 3], classes: 10, channels: 16, cellsPerStage: 5 };

function reluConvBn(b: IrBuilder, x: string, filters: number, kernel: number, stride = 1): string {
  return b.batchNorm(b.conv(b.relu(x), { filters, kernel, stride, padding: Math.floor(kernel / 2) }));
}

function appendCell(b: IrBuilder, cell: Nb201Cell, input: string, width: number): string {
  const nodes: string[] = [input];
  for (const node of [1, 2, 3]) {
    const terms: string[] = [];
    NB201_EDGES.forEach(([to, from], edge) => {
      if (to !== node) return;
      const x = nodes[from]!;
      b.scoped(`e${from}${to}`, () => {
        switch (cell[edge]!) {
          case 'none':
            return;
          case 'skip_connect':
            terms.push(x);
            return;
          case 'nor_conv_1x1':
            terms.push(reluConvBn(b, x, width, 1));
            return;
          case 'nor_conv_3x3':
            terms.push(reluConvBn(b, x, width, 3));
            return;
          case 'avg_pool_3x3':
            terms.push(b.avgPool(x, { kernel: 3, stride: 1, padding: 1, countIncludePad: false }));
            return;
        }
      });
    });
    // A node whose every incoming edge is "none" is a zero tensor; the ops reading it still exist.
    nodes.push(terms.length === 0 ? b.zeros(input, `n${node}`) : terms.length === 1 ? terms[0]! : b.add(terms, `n${node}`));
  }
  return nodes[3]!;
}

/** The ResNet basic block NAS-Bench-201 places between stages: stride-2 residual with an avg-pool + 1×1 shortcut. */
function appendReduction(b: IrBuilder, input: string, filters: number): string {
  const branch = reluConvBn(b, reluConvBn(b, input, filters, 3, 2), filters, 3);
  const shortcut = b.conv(b.avgPool(input, { kernel: 2, stride: 2 }), { filters, kernel: 1 }, 'shortcut');
  return b.add([shortcut, branch]);
}

/**
 * The NAS-Bench-201 macro network around a cell: 3×3 stem conv + BN, three stages of
 * `cellsPerStage` cells with a residual reduction block between them, then
 * BN → ReLU → global average pooling → linear classifier.
 */
export function buildNb201Network(cell: Nb201Cell, options: Partial<Nb201NetworkOptions> = {}): CheckedIr {
  const o = { ...NB201_DEFAULTS, ...options };
  const b = new IrBuilder(`nasbench201 ${printNb201(cell)}`, o.inputShape);
  let x = b.scoped('stem', () => b.batchNorm(b.conv(INPUT_ID, { filters: o.channels, kernel: 3, padding: 1 })));
  for (let stage = 0; stage < 3; stage++) {
    const width = o.channels * 2 ** stage;
    if (stage > 0) x = b.scoped(`reduce${stage}`, () => appendReduction(b, x, width));
    for (let i = 0; i < o.cellsPerStage; i++) x = b.scoped(`s${stage + 1}c${i + 1}`, () => appendCell(b, cell, x, width));
  }
  x = b.scoped('head', () => b.dense(b.globalAvgPool(b.relu(b.batchNorm(x))), { units: o.classes }));
  return b.build(x);
}
