/**
 * BlockQNN's reward for an early-stopped candidate (Zhong et al., "Practical
 * Block-wise Neural Network Architecture Generation", CVPR 2018, early-stop
 * strategy), and its shaping over the steps of an episode (Q-learning section).
 *
 *   reward = ACC_earlystop − μ·log(FLOPs / flopsUnit) − ρ·log(Density)
 *
 * - ACC is the accuracy the evaluation reports, on whatever scale it uses (a
 *   fraction in [0, 1] from the training engines; the NAS-Bench-201 table
 *   columns are percentages). μ and ρ are in the same units as ACC.
 * - FLOPs are multiply-adds per example (what `networkCost(...).macs` counts and
 *   the tables list as FLOPs), normalised by `flopsUnit`, 1e6 by default, so the
 *   log reads in the unit papers quote (MFLOPs). The unit only shifts every
 *   reward by the constant μ·log(flopsUnit); it never changes a ranking.
 * - Density = edges / nodes of the block DAG (`density` in search-space/nsc.ts).
 * - Defaults μ = 0.01 and ρ = 0.01 in the NSC block space, for ACC as a
 *   fraction. The paper gives no values; these make doubling the FLOPs cost 0.7
 *   accuracy points and a block's density span (about 0.7 to 2) at most 1
 *   point, so the penalties break near-ties of the noisy early-stop accuracy
 *   instead of outweighing it. The NAS-Bench-201 space defaults to μ = ρ = 0
 *   (its protocol ranks cells by fitness alone), and `blockqnn bench search`
 *   passes μ = ρ = 0 explicitly: its reward is the fitness column itself, passed
 *   through this same function. A run's `reward` configuration overrides both,
 *   for the stored reward and the strategy alike (orchestrator/run-reward.ts).
 *
 * Shaping: the reward arrives only when the block is finished; BlockQNN gives
 * every one of the T steps r_t = r_T / T, so early in the search the terminal
 * action's Q-value is not inflated relative to the others, which would bias the
 * agent toward shallow blocks.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';

export interface RewardOptions {
  /** FLOPs penalty μ (default 0.01). */
  mu?: number;
  /** Density penalty ρ (default 0.01). */
  rho?: number;
  /** FLOPs are divided by this before the log (default 1e6: MFLOPs). */
  flopsUnit?: number;
}

export interface RewardInput {
  /** The early-stop accuracy (the fitness the search sees). */
  accuracy: number;
  /** Multiply-adds per example; required when μ ≠ 0. */
  flops?: number | undefined;
  /** Block density (edges / nodes); required when ρ ≠ 0. */
  density?: number | undefined;
}

export const DEFAULT_REWARD: Required<RewardOptions> = { mu: 0.01, rho: 0.01, flopsUnit: 1e6 };
/** The table benchmark's setting: the reward is the fitness itself. */
export const FITNESS_ONLY_REWARD: Required<RewardOptions> = { mu: 0, rho: 0, flopsUnit: 1e6 };

/** Fills defaults and rejects non-finite or negative coefficients. */
export function rewardOptions(options: RewardOptions = {}): Required<RewardOptions> {
  const o = { ...DEFAULT_REWARD, ...options };
  for (const [name, value] of Object.entries(o)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (name === 'flopsUnit' && value === 0)) {
      throw new BlockqnnError(
        ErrorCode.INVALID_CONFIG,
        `reward option ${name} must be a finite number >= 0${name === 'flopsUnit' ? ' and not 0' : ''}, got ${String(value)}`,
        {
          hint: 'defaults: mu 0.01, rho 0.01, flopsUnit 1e6',
        },
      );
    }
  }
  return o;
}

function requireFinite(name: string, value: unknown, positive: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (positive && value <= 0)) {
    throw new BlockqnnError(
      ErrorCode.INVALID_INPUT,
      `reward: ${name} must be a finite number${positive ? ' > 0' : ''}, got ${String(value)}`,
      {
        hint: positive
          ? `report ${name} with the result, or set its coefficient to 0`
          : 'a NaN or infinite accuracy never enters the controller; report the evaluation as failed instead',
        details: { field: name, value: String(value) },
      },
    );
  }
  return value;
}

/** ACC − μ·log(FLOPs / flopsUnit) − ρ·log(Density), every input checked to be finite. */
export function shapedReward(input: RewardInput, options: Required<RewardOptions>): number {
  let reward = requireFinite('accuracy', input.accuracy, false);
  if (options.mu !== 0) reward -= options.mu * Math.log(requireFinite('flops', input.flops, true) / options.flopsUnit);
  if (options.rho !== 0) reward -= options.rho * Math.log(requireFinite('density', input.density, true));
  return reward;
}

/** The per-step reward of an episode of `steps` transitions: r_t = r_T / T. */
export function stepReward(finalReward: number, steps: number): number {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `reward shaping needs an episode of at least one step, got ${steps}`);
  }
  return finalReward / steps;
}
