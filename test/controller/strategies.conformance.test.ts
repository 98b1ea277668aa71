/**
 * Every registered strategy, in every space, must pass this suite: deterministic
 * per seed, identical continuation after a JSON snapshot round trip (with
 * proposals in flight), results told in any order, and non-finite fitness
 * rejected without changing anything.
 */
import { describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../src/common/errors.js';
import { type Proposal, type Strategy, type StrategySnapshot, restoreStrategy, strategies } from '../../src/controller/index.js';
import { SPACE_CASES, type SpaceCase } from './helpers.js';

const BUDGET = 80;

/** Asks and tells `steps` times in order; returns the keys asked. */
function drive(strategy: Strategy, c: SpaceCase, steps: number): string[] {
  const keys: string[] = [];
  for (let i = 0; i < steps; i++) {
    const p = strategy.ask();
    keys.push(p.key);
    strategy.tell(p.id, c.evaluate(strategy.space, p.key));
  }
  return keys;
}

describe.each(strategies.list())('strategy %s', (name) => {
  const entry = strategies.get(name);

  describe.each(SPACE_CASES)('in space $label', (c) => {
    const create = (seed: number) => entry.create(c.make(), { seed, budget: BUDGET });

    it('proposes valid candidates and is deterministic per seed', () => {
      const a = drive(create(11), c, 45);
      expect(drive(create(11), c, 45)).toEqual(a);
      expect(drive(create(12), c, 45)).not.toEqual(a);
      const space = c.make();
      for (const key of a) expect(space.keyOf(space.parse(key))).toBe(key);
    });

    it('continues identically after snapshot → JSON → restore, with proposals in flight', () => {
      const original = create(5);
      drive(original, c, 35);
      const inFlight: Proposal[] = [original.ask(), original.ask(), original.ask()];
      const saved = JSON.stringify(original.snapshot());
      const restored = restoreStrategy(c.make(), JSON.parse(saved) as StrategySnapshot);
      expect(restored.name).toBe(name);
      expect(restored.pending()).toEqual(inFlight);
      for (const s of [original, restored]) {
        s.tell(inFlight[1]!.id, c.evaluate(s.space, inFlight[1]!.key));
        s.tell(inFlight[0]!.id, { status: 'diverged' });
        s.tell(inFlight[2]!.id, c.evaluate(s.space, inFlight[2]!.key));
      }
      expect(drive(restored, c, 50)).toEqual(drive(original, c, 50));
      expect(JSON.stringify(restored.snapshot())).toBe(JSON.stringify(original.snapshot()));
    });

    it('takes results in any order, failures included, with many proposals in flight', () => {
      const strategy = create(3);
      for (let round = 0; round < 4; round++) {
        const batch = Array.from({ length: 12 }, () => strategy.ask());
        expect(new Set(batch.map((p) => p.id)).size).toBe(12);
        expect(strategy.pending()).toHaveLength(12);
        const order = [...batch].reverse();
        order.forEach((p, i) =>
          strategy.tell(p.id, i % 5 === 4 ? { status: 'failed', reason: 'test' } : c.evaluate(strategy.space, p.key)),
        );
        expect(strategy.pending()).toHaveLength(0);
      }
      drive(strategy, c, 5);
    });

    it('rejects a non-finite fitness and changes nothing', () => {
      const strategy = create(8);
      drive(strategy, c, 32);
      const p = strategy.ask();
      const before = JSON.stringify(strategy.snapshot());
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        let error: unknown;
        try {
          strategy.tell(p.id, { fitness: bad });
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(BlockqnnError);
        expect((error as BlockqnnError).code).toBe('INVALID_INPUT');
        expect((error as BlockqnnError).message).toMatch(/not a finite number; it is rejected/);
      }
      expect(JSON.stringify(strategy.snapshot())).toBe(before);
      strategy.tell(p.id, c.evaluate(strategy.space, p.key)); // still pending, and a good result is taken
      expect(strategy.pending()).toEqual([]);
    });

    it('refuses unknown and repeated proposal ids', () => {
      const strategy = create(1);
      const p = strategy.ask();
      strategy.tell(p.id, c.evaluate(strategy.space, p.key));
      expect(() => strategy.tell(p.id, c.evaluate(strategy.space, p.key))).toThrow(/already told/);
      expect(() => strategy.tell('p999', { fitness: 1 })).toThrow(/no proposal "p999" was asked/);
      expect(() => strategy.tell(strategy.ask().id, { status: 'exploded' } as never)).toThrow(/unknown status "exploded"/);
    });
  });

  it('rejects unknown options and bad values, naming the valid ones', () => {
    const space = SPACE_CASES[0]!.make();
    expect(() => entry.create(space, { seed: 1, bogus: 3 })).toThrow(/has no option "bogus"[\s\S]*/);
    expect(() => entry.create(space, { seed: 1.5 })).toThrow(/seed must be an integer/);
    expect(() => entry.create(space, { seed: 1, mu: -1 })).toThrow(/option mu must be a number >= 0/);
  });

  it('refuses a snapshot of another space or strategy', () => {
    const [nb201, nsc] = SPACE_CASES;
    const snapshot = entry.create(nb201!.make(), { seed: 1 }).snapshot();
    expect(() => entry.restore(nsc!.make(), snapshot)).toThrow(/snapshot was taken in space/);
    const other = strategies.list().find((n) => n !== name)!;
    expect(() => strategies.get(other).restore(nb201!.make(), snapshot)).toThrow(`snapshot is of strategy "${name}"`);
  });
});

describe('strategy registry', () => {
  it('holds the four strategies and lists them on an unknown name', () => {
    expect(strategies.list()).toEqual(['evolution', 'qlearning', 'qlearning-predictor', 'random']);
    expect(() => strategies.get('reinforce')).toThrow(/unknown strategy "reinforce"/);
    try {
      strategies.get('reinforce');
    } catch (e) {
      expect((e as BlockqnnError).hint).toBe('valid strategy names: evolution, qlearning, qlearning-predictor, random');
    }
  });

  it('refuses something that is not a snapshot', () => {
    expect(() => restoreStrategy(SPACE_CASES[0]!.make(), {} as StrategySnapshot)).toThrow(/not a strategy snapshot/);
  });
});
