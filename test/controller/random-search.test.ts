import { describe, expect, it } from 'vitest';
import { Nb201Space, RandomSearchStrategy } from '../../src/controller/index.js';

const space = new Nb201Space();

describe('random search', () => {
  it('draws every edge op uniformly and independently of results', () => {
    const s = RandomSearchStrategy.create(space, { seed: 1 });
    const counts = Array.from({ length: 6 }, () => new Array(5).fill(0));
    for (let i = 0; i < 5000; i++) {
      const p = s.ask();
      space.parse(p.key).forEach((op, e) => counts[e]![op]++);
      s.tell(p.id, { fitness: i % 2 ? 90 : 10 });
    }
    for (const edge of counts) for (const c of edge) expect(Math.abs(c - 1000)).toBeLessThan(120);
  });

  it('may repeat a candidate, as the benchmark protocol samples with replacement', () => {
    const s = RandomSearchStrategy.create(space, { seed: 2 });
    const keys = Array.from({ length: 2000 }, () => s.ask().key);
    expect(new Set(keys).size).toBeLessThan(2000);
    expect(s.pending()).toHaveLength(2000);
  });
});
