import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REWARD,
  FITNESS_ONLY_REWARD,
  NscSpace,
  Nb201Space,
  rewardOptions,
  shapedReward,
  stepReward,
} from '../../src/controller/index.js';

describe('shaped reward ACC − μ·log(FLOPs / unit) − ρ·log(Density)', () => {
  it('uses the documented defaults μ = ρ = 0.01, FLOPs in millions', () => {
    expect(DEFAULT_REWARD).toEqual({ mu: 0.01, rho: 0.01, flopsUnit: 1e6 });
    // 0.92 − 0.01·ln(200) − 0.01·ln(1.25) = 0.92 − 0.0529832 − 0.0022314
    expect(shapedReward({ accuracy: 0.92, flops: 200e6, density: 1.25 }, rewardOptions())).toBeCloseTo(0.8647854, 7);
  });

  it('penalises FLOPs and density: doubling FLOPs costs μ·ln 2', () => {
    const o = rewardOptions();
    const small = shapedReward({ accuracy: 0.9, flops: 100e6, density: 1 }, o);
    const large = shapedReward({ accuracy: 0.9, flops: 200e6, density: 1 }, o);
    expect(small - large).toBeCloseTo(0.01 * Math.LN2, 12);
    expect(shapedReward({ accuracy: 0.9, flops: 100e6, density: 2 }, o)).toBeLessThan(small);
  });

  it('is the fitness itself with μ = ρ = 0, with no FLOPs or density needed', () => {
    expect(shapedReward({ accuracy: 84.892 }, FITNESS_ONLY_REWARD)).toBe(84.892);
  });

  it('spreads the final reward over the T steps: r_t = r_T / T', () => {
    expect(stepReward(0.9, 3)).toBeCloseTo(0.3, 15);
    expect(stepReward(60, 6)).toBe(10);
    expect(() => stepReward(1, 0)).toThrow(/at least one step/);
  });

  it('rejects NaN and missing inputs naming the field and the fix', () => {
    const o = rewardOptions();
    expect(() => shapedReward({ accuracy: Number.NaN, flops: 1e6, density: 1 }, o)).toThrow(/accuracy must be a finite number/);
    expect(() => shapedReward({ accuracy: 0.9, density: 1 }, o)).toThrow(/flops must be a finite number > 0/);
    expect(() => shapedReward({ accuracy: 0.9, flops: 1e6, density: 0 }, o)).toThrow(/density/);
    expect(() => rewardOptions({ mu: -1 })).toThrow(/mu must be a finite number >= 0/);
    expect(() => rewardOptions({ flopsUnit: 0 })).toThrow(/flopsUnit/);
  });

  it('has per-space defaults: BlockQNN penalties for NSC blocks, fitness alone for NAS-Bench-201', () => {
    expect(new NscSpace().rewardDefaults).toEqual({ mu: 0.01, rho: 0.01 });
    expect(new Nb201Space().rewardDefaults).toEqual({ mu: 0, rho: 0 });
  });
});
