import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArchitectureError } from '../../src/common/errors.js';
import { NscSpace, Sfc32, legalMask, randomEpisode, replayEpisode } from '../../src/controller/index.js';
import { INCEPTION_BLOCK_NSC, RESNET_BLOCK_NSC, canonicalText, parseNsc, printNsc, validateBlock } from '../../src/search-space/index.js';
import { validBlock } from '../search-space/nsc-arbitrary.js';

/** Legal actions after k layers: 8 unary kinds × (k + 1) predecessors, 2 × C(k + 1, 2) add/concat pairs, and the terminal once k ≥ 1. */
function expectedLegal(k: number, maxIndex: number): number {
  if (k === maxIndex - 1) return 1;
  return 8 * (k + 1) + (k + 1) * k + (k >= 1 ? 1 : 0);
}

describe('NSC decision space', () => {
  it('lists every (type, kernel, predecessors) tuple up to maxIndex once, plus the terminal', () => {
    const space = new NscSpace();
    // maxIndex 23: predecessors 0…21; 8 × 22 unary + 2 × C(22, 2) binary + terminal
    expect(space.actionCount).toBe(8 * 22 + 2 * 231 + 1);
    expect(space.settings).toEqual({ maxIndex: 23 });
    expect(new NscSpace({ maxIndex: 4 }).actionCount).toBe(8 * 3 + 2 * 3 + 1);
  });

  it('masks exactly the actions whose predecessors exist; the terminal needs one layer and is forced at the last index', () => {
    for (const maxIndex of [2, 3, 6, 23]) {
      const space = new NscSpace({ maxIndex });
      let state = space.initialState();
      for (let k = 0; k < maxIndex; k++) {
        const legal = space.legalActions(state);
        expect(legal.length).toBe(expectedLegal(k, maxIndex));
        const mask = legalMask(space, state);
        expect(mask.reduce((s, v) => s + v, 0)).toBe(legal.length);
        if (k === maxIndex - 1) {
          expect(space.describeAction(legal[0]!)).toBe('(7,0,0,0)');
          break;
        }
        // take the first non-terminal action: an identity of the input, say
        state = space.step(state, legal[0]!);
      }
    }
  });

  it('never finishes an episode as an invalid block (40,000 seeded random episodes over four maxIndex values)', () => {
    const rng = Sfc32.fromSeed(2024);
    for (const maxIndex of [2, 3, 6, 23]) {
      const space = new NscSpace({ maxIndex });
      for (let i = 0; i < 10_000; i++) {
        // Alternate the uniform policy with one that favours the terminal, to get short blocks too.
        let state = space.initialState();
        const actions: number[] = [];
        while (!space.isTerminal(state)) {
          const legal = space.legalActions(state);
          const pickTerminal = i % 2 === 1 && rng.next() < 0.3;
          const action = pickTerminal ? legal[legal.length - 1]! : legal[rng.int(legal.length)]!;
          actions.push(action);
          state = space.step(state, action);
        }
        const block = space.candidateOf(state);
        expect(() => validateBlock(block, { maxIndex })).not.toThrow();
        expect(state.layers.length).toBeLessThanOrEqual(maxIndex - 1);
      }
    }
  });

  it('never finishes an invalid block whatever legal actions are chosen (property)', () => {
    const space = new NscSpace({ maxIndex: 8 });
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 20 }), (choices) => {
        let state = space.initialState();
        let i = 0;
        while (!space.isTerminal(state)) {
          const legal = space.legalActions(state);
          state = space.step(state, legal[choices[i++ % choices.length]! % legal.length]!);
        }
        validateBlock(space.candidateOf(state), space.settings);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses actions outside the mask', () => {
    const space = new NscSpace({ maxIndex: 6 });
    const start = space.initialState();
    const mask = legalMask(space, start);
    const illegal = [...mask.keys()].filter((a) => mask[a] === 0);
    expect(illegal.length).toBeGreaterThan(0);
    for (const a of illegal) expect(() => space.step(start, a)).toThrow(InvalidArchitectureError);
    expect(() => space.step(start, 9999)).toThrow(/not legal/);
  });

  it('keys candidates by canonical code and uses the current layer code as the Q-state', () => {
    const space = new NscSpace();
    let state = space.initialState();
    expect(space.stateKey(state)).toBe('input');
    const conv3 = space.legalActions(state).find((a) => space.describeAction(a) === '(1,3,0,0)')!;
    state = space.step(state, conv3);
    expect(space.stateKey(state)).toBe('(1,1,3,0,0)');
    const relabelled = '(1,1,3,0,0)(2,1,1,0,0)(3,5,0,2,1)(4,7,0,0,0)';
    const same = '(1,1,1,0,0)(2,1,3,0,0)(3,5,0,1,2)(4,7,0,0,0)';
    expect(space.keyOf(space.parse(relabelled))).toBe(space.keyOf(space.parse(same)));
    expect(space.keyOf(space.parse(relabelled))).toBe(canonicalText(parseNsc(relabelled)));
  });

  it('replays any valid block from its episode (property), the paper blocks included', () => {
    const space = new NscSpace();
    const check = (text: string) => {
      const candidate = space.parse(text);
      const { state } = replayEpisode(space, space.episodeOf(candidate));
      expect(space.keyOf(space.candidateOf(state))).toBe(space.keyOf(candidate));
    };
    check(RESNET_BLOCK_NSC);
    check(INCEPTION_BLOCK_NSC);
    fc.assert(
      fc.property(validBlock({ maxIndex: 23 }), (block) => check(printNsc(block))),
      { numRuns: 300 },
    );
  });

  it('mutates one operation or connection into a different valid block', () => {
    const space = new NscSpace({ maxIndex: 10 });
    const rng = Sfc32.fromSeed(5);
    for (let i = 0; i < 300; i++) {
      const parent = space.candidateOf(randomEpisode(space, rng).state);
      const child = space.mutate(parent, rng);
      validateBlock(child, space.settings);
      expect(space.keyOf(child)).not.toBe(space.keyOf(parent));
      expect(child.length).toBe(parent.length);
    }
    // A one-layer block can only change its operation.
    const single = space.parse('(1,4,0,0,0)(2,7,0,0,0)');
    expect(space.keyOf(space.mutate(single, rng))).toMatch(/^\(1,[1-3],[135],0,0\)\(2,7,0,0,0\)$/);
  });

  it('describes a block with a fixed-length feature vector in [0, 1]', () => {
    const space = new NscSpace();
    const x = space.features(space.parse(INCEPTION_BLOCK_NSC));
    expect(x.length).toBe(space.featureCount);
    for (const v of x) expect(v >= 0 && v <= 1).toBe(true);
    expect(x).not.toEqual(space.features(space.parse(RESNET_BLOCK_NSC)));
  });

  it('rejects a bad maxIndex with the valid range', () => {
    expect(() => new NscSpace({ maxIndex: 1 })).toThrow(/maxIndex must be an integer from 2 to 99/);
  });
});
