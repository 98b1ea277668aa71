import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Nb201Space, QLearningPredictorStrategy, RandomSearchStrategy, type Strategy } from '../../src/controller/index.js';
import { LookupTable } from '../../src/engines/table/index.js';
import { nb201Fitness } from './helpers.js';

const space = new Nb201Space();
const csvPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../data/nasbench201/cifar10.csv.gz');

/** Runs a search on the table; returns the report column of the best-fitness pick. */
function search(strategy: Strategy, table: LookupTable, budget: number): number {
  let best = { fitness: -Infinity, report: 0 };
  for (let i = 0; i < budget; i++) {
    const p = strategy.ask();
    const row = table.evaluate(p.key);
    strategy.tell(p.id, { fitness: row.fitness });
    if (row.fitness > best.fitness) best = { fitness: row.fitness, report: row.report! };
  }
  return best.report;
}

describe('Q-learning with a predictor (the default strategy)', () => {
  it('never re-proposes a measured or in-flight candidate once screening starts', () => {
    const s = QLearningPredictorStrategy.create(space, { seed: 1, budget: 100, warmup: 10 });
    const asked = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const p = s.ask();
      asked.add(p.key);
      s.tell(p.id, { fitness: nb201Fitness(p.key) });
    }
    for (let round = 0; round < 10; round++) {
      const batch = [s.ask(), s.ask(), s.ask()];
      for (const p of batch) {
        expect(asked.has(p.key)).toBe(false);
        asked.add(p.key);
      }
      for (const p of batch.reverse()) s.tell(p.id, { fitness: nb201Fitness(p.key) });
    }
  });

  it('keeps training the Q-table on every result, screened or not', () => {
    const s = QLearningPredictorStrategy.create(space, { seed: 2, budget: 100 });
    for (let i = 0; i < 40; i++) {
      const p = s.ask();
      s.tell(p.id, { fitness: nb201Fitness(p.key) });
    }
    expect(s.learner.updates).toBe(40); // budget 100 → an update after every result
    expect(s.learner.replay.size).toBe(40);
  });

  it('caps the predictor for long searches, rebuilding from the best and latest results identically after a restore', () => {
    const s = QLearningPredictorStrategy.create(space, { seed: 6, budget: 100, predictorPoints: 12, warmup: 5 });
    const sizes: number[] = [];
    const step = (t: Strategy) => {
      const p = t.ask();
      t.tell(p.id, { fitness: nb201Fitness(p.key) });
      return p.key;
    };
    for (let i = 0; i < 30; i++) {
      step(s);
      sizes.push(s.predictorSize);
    }
    expect(Math.max(...sizes)).toBe(12);
    expect(sizes).toContain(6); // rebuilt from 3 best + 3 latest
    const restored = QLearningPredictorStrategy.restore(space, JSON.parse(JSON.stringify(s.snapshot())));
    expect(restored.predictorSize).toBe(s.predictorSize);
    expect(Array.from({ length: 20 }, () => step(restored))).toEqual(Array.from({ length: 20 }, () => step(s)));
  });

  it('finds the optimum of a smooth landscape far more often than random search', () => {
    const optimum = Math.max(
      ...Array.from({ length: 15_625 }, (_, code) =>
        nb201Fitness(space.keyOf([5 ** 5, 5 ** 4, 125, 25, 5, 1].map((p) => Math.floor(code / p) % 5))),
      ),
    );
    const found = (make: (seed: number) => Strategy) =>
      Array.from({ length: 10 }, (_, seed) => {
        const s = make(seed);
        let best = -Infinity;
        for (let i = 0; i < 100; i++) {
          const p = s.ask();
          best = Math.max(best, nb201Fitness(p.key));
          s.tell(p.id, { fitness: nb201Fitness(p.key) });
        }
        return best === optimum;
      }).filter(Boolean).length;
    const predictor = found((seed) => QLearningPredictorStrategy.create(space, { seed, budget: 100 }));
    expect(predictor).toBeGreaterThanOrEqual(8);
    expect(found((seed) => RandomSearchStrategy.create(space, { seed }))).toBeLessThan(predictor);
  });

  it('beats random search on the real NAS-Bench-201 table (20 seeded runs × 100 evaluations)', () => {
    const table = LookupTable.fromCsv(
      gunzipSync(readFileSync(csvPath)).toString('utf8'),
      { fitness: 'c10valid_val_12ep', report: 'c10_test_200ep' },
      csvPath,
    );
    const mean = (make: (seed: number) => Strategy) =>
      Array.from({ length: 20 }, (_, seed) => search(make(seed), table, 100)).reduce((s, v) => s + v, 0) / 20;
    const predictor = mean((seed) => QLearningPredictorStrategy.create(space, { seed, budget: 100 }));
    const random = mean((seed) => RandomSearchStrategy.create(space, { seed }));
    expect(predictor).toBeGreaterThan(94.1);
    expect(random).toBeLessThan(93.9);
  });
});
