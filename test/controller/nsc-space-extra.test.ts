/** NscSpace with the optional layer types: proposed only when enabled, after the paper's actions, round-tripping through episodes. */
import { describe, expect, it } from 'vitest';
import { NscSpace, decisionSpaces } from '../../src/controller/index.js';
import { Sfc32 } from '../../src/controller/rng.js';
import { parseNsc } from '../../src/search-space/index.js';

const describeAll = (space: NscSpace) => Array.from({ length: space.actionCount }, (_, a) => space.describeAction(a));

describe('NscSpace with optional types', () => {
  it("off by default: the paper's actions and settings, unchanged by the option's existence", () => {
    const plain = new NscSpace({ maxIndex: 6 });
    expect(plain.settings).toEqual({ maxIndex: 6 });
    expect(describeAll(plain).some((d) => /^\((8|9),/.test(d))).toBe(false);
    expect(new NscSpace({ maxIndex: 6, extraTypes: [] }).settings).toEqual({ maxIndex: 6 });
  });

  it("enabled: se (kernel 0) and dpp (kernel 3) actions appended after the paper's, legal once their predecessor exists", () => {
    const plain = new NscSpace({ maxIndex: 6 });
    const space = new NscSpace({ maxIndex: 6, extraTypes: ['dpp', 'se'] });
    expect(space.settings).toEqual({ maxIndex: 6, types: 'se,dpp' });
    const actions = describeAll(space);
    // The paper's unary actions keep their numbers; the optional ones follow them.
    expect(actions.slice(0, describeAll(plain).indexOf('(5,0,0,1)'))).toEqual(
      describeAll(plain).slice(0, describeAll(plain).indexOf('(5,0,0,1)')),
    );
    expect(actions.filter((d) => d.startsWith('(8,'))).toEqual(['(8,0,0,0)', '(8,0,1,0)', '(8,0,2,0)', '(8,0,3,0)', '(8,0,4,0)']);
    expect(actions.filter((d) => d.startsWith('(9,'))).toEqual(['(9,3,0,0)', '(9,3,1,0)', '(9,3,2,0)', '(9,3,3,0)', '(9,3,4,0)']);
    const first = space.legalActions(space.initialState()).map((a) => space.describeAction(a));
    expect(first).toEqual(expect.arrayContaining(['(8,0,0,0)', '(9,3,0,0)']));
    expect(first).not.toContain('(8,0,1,0)');
    expect(space.featureCount).toBe(plain.featureCount + 2);
  });

  it('replays, parses and mutates blocks with SE and DPP layers', () => {
    const space = new NscSpace({ maxIndex: 6, extraTypes: ['se', 'dpp'] });
    const block = space.parse('(1,8,0,0,0)(2,9,3,1,0)(3,5,0,1,2)(4,7,0,0,0)');
    let state = space.initialState();
    for (const action of space.episodeOf(block)) state = space.step(state, action);
    expect(space.keyOf(space.candidateOf(state))).toBe(space.keyOf(block));
    expect(space.features(block)).toHaveLength(space.featureCount);
    const rng = Sfc32.fromSeed(5);
    for (let i = 0; i < 20; i++) expect(() => space.parse(space.keyOf(space.mutate(block, rng)))).not.toThrow();
    expect(() => new NscSpace({ maxIndex: 6 }).parse('(1,8,0,0,0)(2,7,0,0,0)')).toThrow(/not enabled/);
  });

  it('the space registry takes the recorded setting and rejects unknown types', () => {
    const space = decisionSpaces.get('nsc')({ maxIndex: 5, types: 'se,dpp' });
    expect(space.settings).toEqual({ maxIndex: 5, types: 'se,dpp' });
    expect(() => decisionSpaces.get('nsc')({ maxIndex: 5, types: 'se,attention' })).toThrow(/unknown optional layer type "attention"/);
    expect(parseNsc('(1,9,3,0,0)(2,7,0,0,0)', { extraTypes: ['dpp'] })).toHaveLength(2);
  });
});
