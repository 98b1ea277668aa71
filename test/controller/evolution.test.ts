import { describe, expect, it } from 'vitest';
import { Nb201Space, RegularizedEvolutionStrategy } from '../../src/controller/index.js';
import { nb201Fitness } from './helpers.js';

const space = new Nb201Space();
const distance = (a: string, b: string) => space.parse(a).filter((op, e) => op !== space.parse(b)[e]).length;
type Members = [string, number][];

describe('regularized evolution', () => {
  it('starts with `population` random proposals, then mutates one op of a member', () => {
    const s = RegularizedEvolutionStrategy.create(space, { seed: 1 });
    for (let i = 0; i < 10; i++) {
      const p = s.ask();
      s.tell(p.id, { fitness: nb201Fitness(p.key) });
    }
    for (let i = 0; i < 30; i++) {
      const members = (s.snapshot().state.members as Members).map(([k]) => k);
      const child = s.ask();
      expect(members.some((m) => distance(m, child.key) === 1)).toBe(true);
      s.tell(child.id, { fitness: nb201Fitness(child.key) });
    }
  });

  it('ages out the oldest member whatever its fitness, and keeps failures out', () => {
    const s = RegularizedEvolutionStrategy.create(space, { seed: 2, population: 3 });
    const told: string[] = [];
    for (let i = 0; i < 6; i++) {
      const p = s.ask();
      told.push(p.key);
      s.tell(p.id, i === 4 ? { status: 'diverged' } : { fitness: 100 - i });
    }
    const members = s.snapshot().state.members as Members;
    expect(members).toEqual([
      [told[2], 98],
      [told[3], 97],
      [told[5], 95],
    ]);
  });

  it('keeps proposing random candidates while no result is in', () => {
    const s = RegularizedEvolutionStrategy.create(space, { seed: 3, population: 2 });
    const keys = Array.from({ length: 20 }, () => s.ask().key);
    expect(new Set(keys).size).toBeGreaterThan(15);
  });

  it('improves on a smooth landscape', () => {
    const s = RegularizedEvolutionStrategy.create(space, { seed: 4 });
    let best = -Infinity;
    let firstTen = -Infinity;
    for (let i = 0; i < 200; i++) {
      const p = s.ask();
      const f = nb201Fitness(p.key);
      s.tell(p.id, { fitness: f });
      best = Math.max(best, f);
      if (i < 10) firstTen = best;
    }
    expect(best).toBeGreaterThan(firstTen);
  });
});
