import { describe, expect, it } from 'vitest';
import { DEFAULT_STRATEGY, Nb201Space, NscSpace, decisionSpaces, strategies } from '../../src/controller/index.js';

describe('controller registries', () => {
  it('names the default strategy among the registered ones', () => {
    expect(strategies.has(DEFAULT_STRATEGY)).toBe(true);
    expect(DEFAULT_STRATEGY).toBe('qlearning-predictor');
  });

  it('creates decisionSpaces by name with their settings', () => {
    expect(decisionSpaces.list()).toEqual(['nasbench201', 'nsc']);
    expect(decisionSpaces.get('nasbench201')({})).toBeInstanceOf(Nb201Space);
    const nsc = decisionSpaces.get('nsc')({ maxIndex: 6 });
    expect(nsc).toBeInstanceOf(NscSpace);
    expect(nsc.settings).toEqual({ maxIndex: 6 });
    expect(decisionSpaces.get('nsc')({}).settings).toEqual({ maxIndex: 23 });
  });

  it('refuses unknown decisionSpaces and settings, listing the valid ones', () => {
    expect(() => decisionSpaces.get('darts')).toThrow(/unknown search space "darts"/);
    expect(() => decisionSpaces.get('nsc')({ depth: 3 })).toThrow(/search space nsc has no setting "depth"/);
    expect(() => decisionSpaces.get('nasbench201')({ maxIndex: 3 })).toThrow(/nasbench201 has no setting "maxIndex"/);
  });
});
