import { describe, expect, it } from 'vitest';
import { DEFAULT_STRATEGY, Nb201Space, NscSpace, spaces, strategies } from '../../src/controller/index.js';

describe('controller registries', () => {
  it('names the default strategy among the registered ones', () => {
    expect(strategies.has(DEFAULT_STRATEGY)).toBe(true);
    expect(DEFAULT_STRATEGY).toBe('qlearning-predictor');
  });

  it('creates spaces by name with their settings', () => {
    expect(spaces.list()).toEqual(['nasbench201', 'nsc']);
    expect(spaces.get('nasbench201')({})).toBeInstanceOf(Nb201Space);
    const nsc = spaces.get('nsc')({ maxIndex: 6 });
    expect(nsc).toBeInstanceOf(NscSpace);
    expect(nsc.settings).toEqual({ maxIndex: 6 });
    expect(spaces.get('nsc')({}).settings).toEqual({ maxIndex: 23 });
  });

  it('refuses unknown spaces and settings, listing the valid ones', () => {
    expect(() => spaces.get('darts')).toThrow(/unknown search space "darts"/);
    expect(() => spaces.get('nsc')({ depth: 3 })).toThrow(/search space nsc has no setting "depth"/);
    expect(() => spaces.get('nasbench201')({ maxIndex: 3 })).toThrow(/nasbench201 has no setting "maxIndex"/);
  });
});
