/**
 * A NAS-Bench-201 lookup table written by the test itself (the repository never
 * reads ../shared): every one of the 15,625 cells, so any proposal is found, with
 * a fitness and a report column that are plain functions of the cell's ops.
 */
import { writeFileSync } from 'node:fs';
import { NB201_EDGES, NB201_OPS, printNb201, type Nb201Op } from '../../src/search-space/nasbench201.js';

export const FITNESS = 'c10valid_val_12ep';
export const REPORT = 'c10_test_200ep';

/** Fitness 50 + 7 per 3x3/1x1 conv; report 40 + 3 per conv + 1 per skip. */
export function writeNb201Table(file: string): void {
  const rows = [`arch_str,${FITNESS},${REPORT}`];
  const cell: Nb201Op[] = [];
  const visit = (edge: number) => {
    if (edge === NB201_EDGES.length) {
      const convs = cell.filter((op) => op.startsWith('nor_conv')).length;
      const skips = cell.filter((op) => op === 'skip_connect').length;
      rows.push(`${printNb201(cell)},${(50 + convs * 7).toFixed(1)},${(40 + convs * 3 + skips).toFixed(1)}`);
      return;
    }
    for (const op of NB201_OPS) {
      cell[edge] = op;
      visit(edge + 1);
    }
  };
  visit(0);
  writeFileSync(file, `${rows.join('\n')}\n`);
}
