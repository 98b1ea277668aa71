/**
 * Multiply-adds and parameters of a NAS-Bench-201 network without building it.
 *
 * Only convolutions, dense layers and batch norms carry cost in `networkCost`;
 * adds, zeros, pools and ReLUs carry none. In the NB201 macro network each cell
 * edge's op becomes its own nodes, whose input shape is the same for every edge
 * of a stage, so the network's cost is the cost of the all-`none` network plus,
 * per edge, what that edge's op adds on its own. Those 1 + 6 × 4 networks are
 * built once per network shape; a candidate then costs six additions instead of
 * building and checking a 200-node IR (≈ 0.6 ms, the controller's largest
 * per-candidate cost at table speed). test/orchestrator/candidates.test.ts checks
 * the sum against `networkCost` of the built network.
 */
import { NB201_EDGES, NB201_OPS, type Nb201Cell, type Nb201Op, buildNb201Network } from '../../nasbench201.js';
import { networkCost } from '../../cost.js';

export interface Nb201Cost {
  macs: number;
  params: number;
}

export type Nb201CostOptions = { inputShape?: [number, number, number] | undefined; classes?: number | undefined };

const NONE_CELL: Nb201Cell = NB201_EDGES.map(() => 'none');

function costOf(cell: Nb201Cell, options: Nb201CostOptions): Nb201Cost {
  const { macs, params } = networkCost(
    buildNb201Network(cell, {
      ...(options.inputShape ? { inputShape: options.inputShape } : {}),
      ...(options.classes ? { classes: options.classes } : {}),
    }),
  );
  return { macs, params };
}

/** Returns a function from a parsed cell to its network's cost, exact and cheap. */
export function nb201CostModel(options: Nb201CostOptions): (cell: Nb201Cell) => Nb201Cost {
  const base = costOf(NONE_CELL, options);
  const delta = NB201_EDGES.map((_, edge) => {
    const byOp = new Map<Nb201Op, Nb201Cost>();
    for (const op of NB201_OPS) {
      const cell = NONE_CELL.map((none, e) => (e === edge ? op : none));
      const c = costOf(cell, options);
      byOp.set(op, { macs: c.macs - base.macs, params: c.params - base.params });
    }
    return byOp;
  });
  return (cell) => {
    let macs = base.macs;
    let params = base.params;
    cell.forEach((op, edge) => {
      const d = delta[edge]!.get(op)!;
      macs += d.macs;
      params += d.params;
    });
    return { macs, params };
  };
}
