/**
 * BlockQNN's Q-learning controller, faithful to the paper (Zhong et al.,
 * "Practical Block-wise Neural Network Architecture Generation", CVPR 2018):
 * each proposal is one ε-greedy episode of the agent, ε taken from the epsilon
 * schedule at the proposal's position; each result becomes the shaped reward
 * ACC − μ·log(FLOPs) − ρ·log(Density) (reward.ts), is stored for replay and,
 * every `updateEvery` results, 128 replayed episodes update the Q-table with
 * r_t = r_T / T (q-learner.ts has the defaults and how they scale to a budget).
 *
 * A failed evaluation (diverged, too large, failed) is learned as the reward
 * `failureReward` (default 0, the worst accuracy), so the agent learns to avoid
 * what cannot be trained. A non-finite fitness is rejected before anything
 * changes.
 */
import { OptionReader } from './options.js';
import { ProposalBook, type BookSnapshot } from './proposal-book.js';
import {
  QLearner,
  type QLearnerOptions,
  type QLearnerSnapshot,
  Q_LEARNER_OPTION_NAMES,
  type ResolvedQLearnerOptions,
  resolveQLearnerOptions,
} from './q-learner.js';
import type { RewardOptions } from './reward.js';
import { REWARD_OPTION_NAMES, type ResolvedRewardSettings, resolveRewardSettings, rewardOf } from './reward-settings.js';
import { Sfc32 } from './rng.js';
import type { AnySpace } from './space.js';
import {
  type EvaluationResult,
  type Proposal,
  type Strategy,
  type StrategyEntry,
  type StrategyOptions,
  type StrategySnapshot,
  checkResult,
  checkSnapshot,
  makeSnapshot,
} from './strategy.js';

export interface QLearningOptions extends StrategyOptions, QLearnerOptions, RewardOptions {
  /** Reward learned for a failed evaluation (default 0). */
  failureReward?: number;
}

type Resolved = { seed: number } & ResolvedQLearnerOptions & ResolvedRewardSettings;

export class QLearningStrategy implements Strategy {
  readonly name = 'qlearning';

  private constructor(
    readonly space: AnySpace,
    private readonly options: Resolved,
    private readonly rng: Sfc32,
    private readonly book: ProposalBook<number[]>,
    readonly learner: QLearner,
  ) {}

  private static resolve(space: AnySpace, options: QLearningOptions): Resolved {
    const read = new OptionReader('qlearning', options, [...Q_LEARNER_OPTION_NAMES, ...REWARD_OPTION_NAMES]);
    return { seed: read.seed, ...resolveQLearnerOptions(read, read.budget), ...resolveRewardSettings(read, space) };
  }

  static create(space: AnySpace, options: QLearningOptions): QLearningStrategy {
    const resolved = QLearningStrategy.resolve(space, options);
    return new QLearningStrategy(space, resolved, Sfc32.fromSeed(resolved.seed), new ProposalBook(), QLearner.create(space, resolved));
  }

  static restore(space: AnySpace, snapshot: StrategySnapshot): QLearningStrategy {
    checkSnapshot(snapshot, 'qlearning', space);
    const resolved = QLearningStrategy.resolve(space, snapshot.options as QLearningOptions);
    const state = snapshot.state as unknown as { rng: number[]; book: BookSnapshot; learner: QLearnerSnapshot };
    return new QLearningStrategy(
      space,
      resolved,
      Sfc32.fromState(state.rng),
      ProposalBook.restore(state.book),
      QLearner.restore(space, resolved, state.learner),
    );
  }

  /** ε of the next proposal. */
  get epsilon(): number {
    return this.learner.schedule.epsilonAt(this.book.asked);
  }

  ask(): Proposal {
    const { actions, key } = this.learner.episode(this.epsilon, this.rng);
    return this.book.issue(key, actions);
  }

  tell(proposalId: string, result: EvaluationResult): void {
    const { memo: actions } = this.book.get(proposalId);
    const reward = rewardOf(checkResult(proposalId, result), this.options);
    this.learner.observe(actions, reward, this.rng);
    this.book.close(proposalId);
  }

  pending(): Proposal[] {
    return this.book.pending();
  }

  snapshot(): StrategySnapshot {
    return makeSnapshot(
      this,
      { ...this.options, schedule: this.options.schedule.map(([e, n]) => [e, n]) },
      { rng: this.rng.state(), book: this.book.snapshot(), learner: this.learner.snapshot() },
    );
  }
}

export const qLearningEntry: StrategyEntry = {
  description:
    "BlockQNN's method as in the paper: tabular Q-learning, every proposal an agent episode (ε-greedy schedule 1.0 → 0.1, α 0.01, γ 1, replay 128, r_t = r_T / T)",
  create: (space, options) => QLearningStrategy.create(space, options),
  restore: (space, snapshot) => QLearningStrategy.restore(space, snapshot),
};
