import { describe, expect, it } from 'vitest';
import { Nb201Space, Sfc32, effectiveOps, randomEpisode, replayEpisode } from '../../src/controller/index.js';
import { NB201_OPS, parseNb201, printNb201 } from '../../src/search-space/index.js';

const space = new Nb201Space();
const op = (name: string) => NB201_OPS.indexOf(name as never);

describe('NAS-Bench-201 decision space', () => {
  it('decides six edges with five ops each, every cell valid', () => {
    let state = space.initialState();
    expect(space.stateKey(state)).toBe('input');
    for (const action of [3, 3, 3, 1, 2, 3]) {
      expect(space.legalActions(state)).toEqual([0, 1, 2, 3, 4]);
      state = space.step(state, action);
    }
    expect(space.isTerminal(state)).toBe(true);
    expect(space.legalActions(state)).toEqual([]);
    expect(space.stateKey(state)).toBe('3<-2:nor_conv_3x3');
    expect(() => space.step(state, 0)).toThrow(/already decided/);
    expect(() => space.step(space.initialState(), 5)).toThrow(/not an op index/);
  });

  it('keys every one of the 15,625 cells by the arch string printNb201 writes, and parses it back', () => {
    const keys = new Set<string>();
    for (let code = 0; code < 15_625; code++) {
      const ops = [5 ** 5, 5 ** 4, 5 ** 3, 25, 5, 1].map((p) => Math.floor(code / p) % 5);
      const key = space.keyOf(ops);
      expect(key).toBe(printNb201(ops.map((o) => NB201_OPS[o]!)));
      expect(space.parse(key)).toEqual(ops);
      keys.add(key);
    }
    expect(keys.size).toBe(15_625);
    expect(() => space.parse('|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|')).toThrow(/unknown op/);
  });

  it('replays a cell from its episode', () => {
    const rng = Sfc32.fromSeed(1);
    for (let i = 0; i < 100; i++) {
      const { state } = randomEpisode(space, rng);
      const candidate = space.candidateOf(state);
      expect(space.keyOf(space.candidateOf(replayEpisode(space, space.episodeOf(candidate)).state))).toBe(space.keyOf(candidate));
    }
  });

  it('mutates exactly one edge to a different op', () => {
    const rng = Sfc32.fromSeed(2);
    for (let i = 0; i < 500; i++) {
      const parent = space.candidateOf(randomEpisode(space, rng).state);
      const child = space.mutate(parent, rng);
      expect(child.filter((o, e) => o !== parent[e]).length).toBe(1);
    }
  });

  it('treats edges that no input→output path uses as none in its features', () => {
    // Node 1 feeds nothing (1→2 and 1→3 are none): edge 0→1 is dead.
    const dead = parseNb201('|nor_conv_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|none~1|avg_pool_3x3~2|').map(op);
    expect(effectiveOps(dead).map((o) => NB201_OPS[o])).toEqual(['none', 'skip_connect', 'none', 'nor_conv_1x1', 'none', 'avg_pool_3x3']);
    // All edges into node 3 are none: nothing reaches the output.
    const cut = parseNb201('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|none~1|none~2|').map(op);
    expect(effectiveOps(cut).every((o) => o === op('none'))).toBe(true);
    const x = space.features(dead);
    expect(x.length).toBe(30);
    expect(x.reduce((s, v) => s + v, 0)).toBe(6);
    expect(x[0 * 5 + op('none')]).toBe(1);
    expect(x[3 * 5 + op('nor_conv_1x1')]).toBe(1);
  });
});
