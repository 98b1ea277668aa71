/**
 * Random search, the reference every NAS result is measured against (Li &
 * Talwalkar, "Random Search and Reproducibility for Neural Architecture
 * Search", UAI 2019; the NAS-Bench-201 baseline): every proposal is an episode
 * with a uniformly random legal action at each step, drawn independently, so
 * repeats are possible exactly as in the benchmark's protocol.
 */
import { OptionReader } from './options.js';
import { REWARD_OPTION_NAMES, type ResolvedRewardSettings, resolveRewardSettings, rewardOf } from './reward-settings.js';
import { ProposalBook, type BookSnapshot } from './proposal-book.js';
import { Sfc32 } from './rng.js';
import { type AnySpace, randomEpisode } from './space.js';
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

export class RandomSearchStrategy implements Strategy {
  readonly name = 'random';

  private constructor(
    readonly space: AnySpace,
    private readonly options: { seed: number } & ResolvedRewardSettings,
    private readonly rng: Sfc32,
    private readonly book: ProposalBook,
  ) {}

  static create(space: AnySpace, options: StrategyOptions): RandomSearchStrategy {
    const read = new OptionReader('random', options, REWARD_OPTION_NAMES);
    const resolved = { seed: read.seed, ...resolveRewardSettings(read, space) };
    return new RandomSearchStrategy(space, resolved, Sfc32.fromSeed(resolved.seed), new ProposalBook());
  }

  static restore(space: AnySpace, snapshot: StrategySnapshot): RandomSearchStrategy {
    checkSnapshot(snapshot, 'random', space);
    const { options } = RandomSearchStrategy.create(space, snapshot.options as StrategyOptions);
    const state = snapshot.state as unknown as { rng: number[]; book: BookSnapshot };
    return new RandomSearchStrategy(space, options, Sfc32.fromState(state.rng), ProposalBook.restore(state.book));
  }

  ask(): Proposal {
    const { state } = randomEpisode(this.space, this.rng);
    return this.book.issue(this.space.keyOf(this.space.candidateOf(state)), null);
  }

  tell(proposalId: string, result: EvaluationResult): void {
    this.book.get(proposalId);
    // Nothing is learned, but the result is checked (and its reward computable) as with every strategy.
    rewardOf(checkResult(proposalId, result), this.options);
    this.book.close(proposalId);
  }

  pending(): Proposal[] {
    return this.book.pending();
  }

  snapshot(): StrategySnapshot {
    return makeSnapshot(this, { ...this.options }, { rng: this.rng.state(), book: this.book.snapshot() });
  }
}

export const randomSearchEntry: StrategyEntry = {
  description: 'uniformly random episodes (the reference baseline)',
  create: (space, options) => RandomSearchStrategy.create(space, options),
  restore: (space, snapshot) => RandomSearchStrategy.restore(space, snapshot),
};
