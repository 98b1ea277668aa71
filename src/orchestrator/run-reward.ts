/**
 * The one reward of a run. `config.reward` (μ, ρ, flopsUnit) over the space's
 * defaults is both what the store records and the dashboard shows, and what the
 * strategy is created with and learns from: a run configured with a FLOPs
 * penalty optimises that penalty. (Before, the strategy resolved its own reward
 * from `strategyOptions` and the space's defaults, so a run could show one
 * reward and optimise another.)
 *
 * `strategyOptions` may still name `mu`, `rho` or `flopsUnit` (older configs do):
 * such a value counts where `reward` leaves the same term out, and
 * {@link checkRewardGivenOnce} refuses a configuration that gives a term twice
 * with different values.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { type AnySpace, DEFAULT_REWARD, type RewardOptions, type StrategyOptions, rewardOptions } from '../controller/index.js';
import type { SearchConfig } from './config.js';

const TERMS = ['mu', 'rho', 'flopsUnit'] as const;

type RewardSource = Pick<SearchConfig, 'reward' | 'strategyOptions'>;

/** μ, ρ and flopsUnit of the run: `reward`, else `strategyOptions`, else the space's defaults. */
export function runReward(config: RewardSource, space: AnySpace): Required<RewardOptions> {
  const defaults: Required<RewardOptions> = { ...space.rewardDefaults, flopsUnit: DEFAULT_REWARD.flopsUnit };
  const term = (name: (typeof TERMS)[number]) => (config.reward[name] ?? config.strategyOptions[name] ?? defaults[name]) as number;
  return rewardOptions({ mu: term('mu'), rho: term('rho'), flopsUnit: term('flopsUnit') });
}

/** Refuses a term given in both `reward` and `strategyOptions` with different values. */
export function checkRewardGivenOnce(config: RewardSource): void {
  for (const name of TERMS) {
    const own = config.reward[name];
    const other = config.strategyOptions[name];
    if (own !== undefined && other !== undefined && own !== other) {
      throw new BlockqnnError(
        ErrorCode.INVALID_CONFIG,
        `the reward's ${name} is given twice: reward.${name} = ${String(own)} and strategyOptions.${name} = ${String(other)}`,
        {
          hint: `give it once, in "reward" (the strategy learns from the reward the run records)`,
        },
      );
    }
  }
}

/** The options a run's strategy is created with: its own options, the run's reward, seed and budget. */
export function strategyOptionsOf(config: SearchConfig, space: AnySpace): StrategyOptions {
  // A budget of 0 (baselines only) leaves the strategy its unbudgeted defaults.
  return { ...config.strategyOptions, ...runReward(config, space), seed: config.seed, budget: config.budget.candidates || undefined };
}
