import { describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../src/common/errors.js';
import { QTable, Sfc32, type Transition, qTarget, qUpdate } from '../../src/controller/index.js';

/** A three-step episode s0 -a0-> s1 -a1-> s2 -a2-> terminal, two legal actions (0, 1) everywhere. */
const episode: Transition[] = [
  { stateKey: 's0', action: 0, nextStateKey: 's1', nextLegal: [0, 1] },
  { stateKey: 's1', action: 1, nextStateKey: 's2', nextLegal: [0, 1] },
  { stateKey: 's2', action: 0, nextStateKey: null, nextLegal: [] },
];

describe('Q update arithmetic (α = 0.01, γ = 1)', () => {
  it('is (1 − α)·Q + α·(r + γ·max Q(s′))', () => {
    expect(qTarget(0.3, 1, 0.003)).toBeCloseTo(0.303, 15);
    expect(qUpdate(0, 0.303, 0.01)).toBeCloseTo(0.00303, 15);
    expect(qUpdate(0.5, 1, 0.5)).toBe(0.75);
  });

  it('spreads r_T = 0.9 over T = 3 steps as r_t = 0.3 and backs it up last step first', () => {
    const q = new QTable(0);
    q.learnEpisode(episode, 0.9, 0.01, 1);
    // s2: 0.99·0 + 0.01·(0.3 + 0)              = 0.003
    // s1: 0.99·0 + 0.01·(0.3 + max(0.003, 0))  = 0.00303
    // s0: 0.99·0 + 0.01·(0.3 + 0.00303)        = 0.0030303
    expect(q.get('s2', 0)).toBeCloseTo(0.003, 15);
    expect(q.get('s1', 1)).toBeCloseTo(0.00303, 15);
    expect(q.get('s0', 0)).toBeCloseTo(0.0030303, 15);
    expect(q.get('s1', 0)).toBe(0); // untouched entries read as initialQ
    expect(q.size).toBe(3);

    q.learnEpisode(episode, 0.9, 0.01, 1);
    // s2: 0.99·0.003     + 0.01·0.3                  = 0.00597
    // s1: 0.99·0.00303   + 0.01·(0.3 + 0.00597)      = 0.0029997 + 0.0030597 = 0.0060594
    // s0: 0.99·0.0030303 + 0.01·(0.3 + 0.0060594)    = 0.002999997 + 0.003060594 = 0.006060591
    expect(q.get('s2', 0)).toBeCloseTo(0.00597, 15);
    expect(q.get('s1', 1)).toBeCloseTo(0.0060594, 15);
    expect(q.get('s0', 0)).toBeCloseTo(0.006060591, 15);
  });

  it('takes the max over legal actions only, with initialQ for the untried ones', () => {
    const q = new QTable(0.5);
    q.set('s', 0, 0.2);
    q.set('s', 1, 0.9);
    expect(q.maxOver('s', [0])).toBe(0.2); // action 1 (0.9) is illegal here
    expect(q.maxOver('s', [0, 2])).toBe(0.5); // untried 2 reads 0.5 > 0.2
    expect(q.maxOver('s', [0, 1])).toBe(0.9);
    expect(q.maxOver(null, [])).toBe(0); // terminal
    expect(q.maxOver('unknown', [0, 1])).toBe(0.5);
  });

  it('acts greedily on the best legal action and breaks ties at random', () => {
    const q = new QTable(0);
    q.set('s', 3, 1);
    const rng = Sfc32.fromSeed(1);
    expect(q.greedy('s', [1, 2, 3], rng)).toBe(3);
    const picks = new Set(Array.from({ length: 50 }, () => q.greedy('s', [0, 1, 2], rng)));
    expect(picks).toEqual(new Set([0, 1, 2]));
  });

  it('never lets a non-finite value in', () => {
    const q = new QTable(0);
    expect(() => q.set('s', 0, Number.NaN)).toThrow(BlockqnnError);
    expect(() => q.learnEpisode(episode, Number.POSITIVE_INFINITY, 0.01, 1)).toThrow(/non-finite value never enters the Q-table/);
    expect(q.size).toBe(0);
  });

  it('round-trips through JSON', () => {
    const q = new QTable(0.25);
    q.learnEpisode(episode, 0.9, 0.01, 1);
    const back = QTable.restore(JSON.parse(JSON.stringify(q.snapshot())), 0.25);
    expect(back.snapshot()).toEqual(q.snapshot());
    expect(back.get('s0', 0)).toBe(q.get('s0', 0));
  });
});
