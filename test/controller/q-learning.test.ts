import { describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../src/common/errors.js';
import { Nb201Space, NscSpace, PAPER_SCHEDULE, QLearningStrategy, replayEpisode } from '../../src/controller/index.js';
import { nb201Fitness } from './helpers.js';

const space = new Nb201Space();

describe('BlockQNN Q-learning strategy', () => {
  it('defaults to the paper: α 0.01, γ 1, paper schedule, update every 64 results replaying 128', () => {
    const { options } = QLearningStrategy.create(space, { seed: 1 }).snapshot();
    expect(options).toMatchObject({
      alpha: 0.01,
      gamma: 1,
      initialQ: 0,
      updateEvery: 64,
      replaySamples: 128,
      mu: 0,
      rho: 0,
      failureReward: 0,
    });
    expect(options.schedule).toEqual(PAPER_SCHEDULE.map(([e, n]) => [e, n]));
    const nsc = QLearningStrategy.create(new NscSpace(), { seed: 1 }).snapshot().options;
    expect(nsc).toMatchObject({ mu: 0.01, rho: 0.01, flopsUnit: 1e6 });
  });

  it('scales the schedule and the update period to a budget', () => {
    const { options } = QLearningStrategy.create(space, { seed: 1, budget: 100 }).snapshot();
    expect(options.schedule).toEqual([
      [1, 53],
      [0.9, 4],
      [0.8, 4],
      [0.7, 4],
      [0.6, 6],
      [0.5, 6],
      [0.4, 6],
      [0.3, 5],
      [0.2, 5],
      [0.1, 7],
    ]);
    expect(options.updateEvery).toBe(1); // round(64 · 100 / 11,392) = 1
    expect(QLearningStrategy.create(space, { seed: 1, budget: 2000 }).snapshot().options.updateEvery).toBe(11);
  });

  it('moves along the schedule by proposals asked, not results told', () => {
    const s = QLearningStrategy.create(space, {
      seed: 1,
      schedule: [
        [1, 2],
        [0.5, 3],
        [0.1, 1],
      ],
    });
    const seen: number[] = [];
    for (let i = 0; i < 7; i++) {
      seen.push(s.epsilon);
      s.ask();
    }
    expect(seen).toEqual([1, 1, 0.5, 0.5, 0.5, 0.1, 0.1]);
  });

  it('learns one episode exactly as worked out by hand: fitness 60 over T = 6 steps, r_t = 10', () => {
    const s = QLearningStrategy.create(space, { seed: 4, updateEvery: 1, replaySamples: 1 });
    const p = s.ask();
    s.tell(p.id, { fitness: 60 });
    const { transitions } = replayEpisode(space, space.episodeOf(space.parse(p.key)));
    // Backwards: 0.01·10 = 0.1; 0.01·(10 + 0.1) = 0.101; 0.01·(10 + 0.101) = 0.10101; …
    const expected = [0.10101010101, 0.101010101, 0.1010101, 0.10101, 0.101, 0.1];
    transitions.forEach((t, i) => expect(s.learner.table.get(t.stateKey, t.action)).toBeCloseTo(expected[i]!, 12));
    expect(s.learner.updates).toBe(1);
  });

  it('updates only every `updateEvery` results, replaying `replaySamples` episodes', () => {
    const s = QLearningStrategy.create(space, { seed: 2, updateEvery: 3, replaySamples: 128 });
    for (let i = 0; i < 2; i++) {
      const p = s.ask();
      s.tell(p.id, { fitness: 80 });
    }
    expect(s.learner.table.size).toBe(0);
    const p = s.ask();
    s.tell(p.id, { fitness: 80 });
    expect(s.learner.updates).toBe(1);
    expect(s.learner.table.size).toBeGreaterThan(0);
    expect(s.learner.replay.size).toBe(3);
  });

  it('exploits what it learned once ε reaches 0', () => {
    const s = QLearningStrategy.create(space, {
      seed: 9,
      schedule: [
        [1, 1],
        [0, 10],
      ],
      updateEvery: 1,
      replaySamples: 1,
    });
    const first = s.ask();
    s.tell(first.id, { fitness: nb201Fitness(first.key) });
    expect(s.ask().key).toBe(first.key); // the only rewarded path is the greedy one
  });

  it('learns failures as failureReward', () => {
    const s = QLearningStrategy.create(space, { seed: 3, updateEvery: 1, replaySamples: 1, failureReward: -6 });
    const p = s.ask();
    s.tell(p.id, { status: 'too_large' });
    const last = replayEpisode(space, space.episodeOf(space.parse(p.key))).transitions[5]!;
    expect(s.learner.table.get(last.stateKey, last.action)).toBeCloseTo(-0.01, 12);
  });

  it('needs FLOPs and density when μ, ρ are set, and says so before changing anything', () => {
    const s = QLearningStrategy.create(new NscSpace({ maxIndex: 5 }), { seed: 1, updateEvery: 1 });
    const p = s.ask();
    expect(() => s.tell(p.id, { fitness: 0.9 })).toThrow(/flops must be a finite number > 0/);
    expect(s.pending()).toHaveLength(1);
    s.tell(p.id, { fitness: 0.9, flops: 3e6, density: 1.2 });
    expect(s.learner.replay.size).toBe(1);
  });

  it('rejects malformed options with the strategy and option named', () => {
    expect(() => QLearningStrategy.create(space, { seed: 1, alpha: 0 })).toThrow(
      /strategy qlearning: option alpha must be a number > 0 and <= 1/,
    );
    expect(() => QLearningStrategy.create(space, { seed: 1, schedule: [[2, 5]] })).toThrow(/invalid epsilon schedule: entry 1: epsilon 2/);
    expect(() => QLearningStrategy.create(space, { seed: 1, replaySamples: 0 })).toThrow(BlockqnnError);
  });
});
