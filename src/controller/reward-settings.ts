/**
 * The reward options every strategy accepts (`mu`, `rho`, `flopsUnit`,
 * `failureReward`), resolved against the space's defaults, and the reward a
 * told result is learned as: the shaped reward of reward.ts for a measured
 * candidate, `failureReward` (default 0, the worst accuracy) for a failed one.
 * All strategies optimise the same number, so comparisons between them are
 * fair whatever μ and ρ are.
 */
import type { OptionReader } from './options.js';
import { DEFAULT_REWARD, shapedReward } from './reward.js';
import type { AnySpace } from './space.js';
import type { CheckedResult } from './strategy.js';

export const REWARD_OPTION_NAMES = ['mu', 'rho', 'flopsUnit', 'failureReward'] as const;

export type ResolvedRewardSettings = { mu: number; rho: number; flopsUnit: number; failureReward: number };

export function resolveRewardSettings(read: OptionReader, space: AnySpace): ResolvedRewardSettings {
  return {
    mu: read.number('mu', space.rewardDefaults.mu, { min: 0 }),
    rho: read.number('rho', space.rewardDefaults.rho, { min: 0 }),
    flopsUnit: read.number('flopsUnit', DEFAULT_REWARD.flopsUnit, { min: 0, above: true }),
    failureReward: read.number('failureReward', 0),
  };
}

/** The reward a checked result is learned as. */
export function rewardOf(result: CheckedResult, settings: ResolvedRewardSettings): number {
  return result.ok
    ? shapedReward({ accuracy: result.fitness, flops: result.flops, density: result.density }, settings)
    : settings.failureReward;
}
