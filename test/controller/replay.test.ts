import { describe, expect, it } from 'vitest';
import { Nb201Space, ReplayMemory, Sfc32 } from '../../src/controller/index.js';

const space = new Nb201Space();
const episode = (op: number) => ({ actions: [op, op, op, op, op, op], reward: 80 + op });

describe('replay memory', () => {
  it('samples stored episodes uniformly with replacement, with their transitions', () => {
    const memory = new ReplayMemory(space, 100);
    for (let op = 0; op < 5; op++) memory.add(episode(op));
    const rng = Sfc32.fromSeed(3);
    const samples = memory.sample(128, rng);
    expect(samples).toHaveLength(128);
    const seen = new Map<number, number>();
    for (const s of samples) seen.set(s.reward, (seen.get(s.reward) ?? 0) + 1);
    expect([...seen.keys()].sort()).toEqual([80, 81, 82, 83, 84]);
    const first = samples[0]!;
    expect(first.transitions).toHaveLength(6);
    expect(first.transitions[0]!.stateKey).toBe('input');
    expect(first.transitions[5]!.nextStateKey).toBeNull();
    expect(first.transitions[2]!.nextLegal).toEqual([0, 1, 2, 3, 4]);
  });

  it('keeps at most `capacity` episodes, dropping the oldest', () => {
    const memory = new ReplayMemory(space, 3);
    for (let op = 0; op < 5; op++) memory.add(episode(op));
    expect(memory.size).toBe(3);
    const rewards = new Set(memory.sample(200, Sfc32.fromSeed(1)).map((s) => s.reward));
    expect(rewards).toEqual(new Set([82, 83, 84]));
  });

  it('restores from JSON and then draws the same samples', () => {
    const memory = new ReplayMemory(space, 3);
    for (let op = 0; op < 4; op++) memory.add(episode(op));
    const back = ReplayMemory.restore(space, 3, JSON.parse(JSON.stringify(memory.snapshot())));
    const draw = (m: ReplayMemory) => m.sample(20, Sfc32.fromSeed(9)).map((s) => s.reward);
    expect(draw(back)).toEqual(draw(memory));
    memory.add(episode(4));
    back.add(episode(4));
    expect(draw(back)).toEqual(draw(memory));
  });

  it('refuses non-finite rewards and episodes that do not end', () => {
    const memory = new ReplayMemory(space, 10);
    expect(() => memory.add({ actions: [0, 0, 0, 0, 0, 0], reward: Number.NaN })).toThrow(/not finite/);
    expect(() => memory.add({ actions: [0, 0, 0], reward: 1 })).toThrow(/ends before a terminal state/);
    expect(() => memory.add({ actions: [0, 0, 0, 0, 0, 0, 0], reward: 1 })).toThrow(/continues after a terminal state/);
    expect(memory.size).toBe(0);
  });
});
