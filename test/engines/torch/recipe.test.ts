/**
 * The torch trainer feeds exactly the batches the tfjs engine feeds: the same
 * epoch permutations (epochOrder) and, from one seeded stream across batches,
 * the same crops and flips with the same float pixels (fillBatch), bit for bit.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/datasets/prng.js';
import { epochOrder, fillBatch } from '../../../src/engines/batches.js';
import type { Recipe } from '../../../src/task/task.js';
import { FIXTURES, runPythonJson } from './helpers.js';

const shape = [5, 7, 2] as const;
const count = 37;
const images = Uint8Array.from({ length: count * 5 * 7 * 2 }, (_, i) => (i * 2654435761) >>> 24);
const set = { images, labels: new Uint8Array(count), count };
const batches = [
  [0, 5, 36, 12],
  [3, 3, 8],
  [20, 1, 2, 30, 31],
];

const cases: { mode: Recipe['augmentation']; seed: number }[] = [
  { mode: 'none', seed: 7 },
  { mode: 'crop', seed: 123456789 },
  { mode: 'crop-flip', seed: 4294967295 },
];

describe('torch recipe: the same data as the tfjs engine', () => {
  it('epoch orders, and batches without augmentation, with crops, and with crops and flips from one stream across batches, match exactly', async () => {
    // One Python for all cases: starting one costs more than the comparisons.
    const results = await runPythonJson<{ orders: number[][]; batches: number[][] }[]>(
      path.join(FIXTURES, 'batches_probe.py'),
      cases.map(({ mode, seed }) => ({ count, seed, epochs: 3, shape, images: [...images], mode, batches })),
    );
    cases.forEach(({ mode, seed }, i) => {
      const py = results[i]!;
      for (let epoch = 0; epoch < 3; epoch++)
        expect(py.orders[epoch], `${mode} epoch ${epoch}`).toEqual([...epochOrder(count, seed, epoch)]);
      const next = mulberry32(seed >>> 0);
      batches.forEach((indices, b) => {
        const out = new Float32Array(indices.length * 5 * 7 * 2);
        fillBatch(set, shape, indices, mode, next, out);
        expect(py.batches[b], `${mode}, seed ${seed}, batch ${b}`).toEqual([...out]);
      });
    });
  });
});
