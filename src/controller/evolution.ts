/**
 * Regularized (aging) evolution, Real et al., "Regularized Evolution for Image
 * Classifier Architecture Search", AAAI 2019; the REA baseline of NAS-Bench-201.
 *
 * The first `population` proposals are random. After that each proposal is a
 * one-op mutation of the fittest of `sample` members drawn (with replacement)
 * from the population; every result joins the population and the oldest member
 * leaves, whatever its fitness. Asynchronously this is the paper's own setting:
 * results join in the order they arrive, and while no result is in yet the
 * strategy keeps proposing random candidates. Failed evaluations never join.
 * Fitness here is the reward every strategy optimises (reward-settings.ts): the
 * measured fitness itself unless μ or ρ are set.
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

export interface EvolutionOptions extends StrategyOptions {
  /** Population size (default 10). */
  population?: number;
  /** Tournament size (default 3). */
  sample?: number;
}

type Member = [key: string, fitness: number];

export class RegularizedEvolutionStrategy implements Strategy {
  readonly name = 'evolution';

  private constructor(
    readonly space: AnySpace,
    private readonly options: { seed: number; population: number; sample: number } & ResolvedRewardSettings,
    private readonly rng: Sfc32,
    private readonly book: ProposalBook,
    /** Oldest first. */
    private readonly members: Member[],
  ) {}

  static create(space: AnySpace, options: EvolutionOptions): RegularizedEvolutionStrategy {
    const read = new OptionReader('evolution', options, ['population', 'sample', ...REWARD_OPTION_NAMES]);
    const resolved = {
      seed: read.seed,
      population: read.number('population', 10, { min: 1, integer: true }),
      sample: read.number('sample', 3, { min: 1, integer: true }),
      ...resolveRewardSettings(read, space),
    };
    return new RegularizedEvolutionStrategy(space, resolved, Sfc32.fromSeed(resolved.seed), new ProposalBook(), []);
  }

  static restore(space: AnySpace, snapshot: StrategySnapshot): RegularizedEvolutionStrategy {
    checkSnapshot(snapshot, 'evolution', space);
    const created = RegularizedEvolutionStrategy.create(space, snapshot.options as EvolutionOptions);
    const state = snapshot.state as unknown as { rng: number[]; book: BookSnapshot; members: Member[] };
    return new RegularizedEvolutionStrategy(
      space,
      created.options,
      Sfc32.fromState(state.rng),
      ProposalBook.restore(state.book),
      state.members.map(([k, f]) => [k, f]),
    );
  }

  ask(): Proposal {
    if (this.book.asked < this.options.population || this.members.length === 0) {
      const { state } = randomEpisode(this.space, this.rng);
      return this.book.issue(this.space.keyOf(this.space.candidateOf(state)), null);
    }
    let parent = this.members[this.rng.int(this.members.length)]!;
    for (let i = 1; i < this.options.sample; i++) {
      const rival = this.members[this.rng.int(this.members.length)]!;
      if (rival[1] > parent[1]) parent = rival;
    }
    const child = this.space.mutate(this.space.parse(parent[0]), this.rng);
    return this.book.issue(this.space.keyOf(child), null);
  }

  tell(proposalId: string, result: EvaluationResult): void {
    const { key } = this.book.get(proposalId);
    const checked = checkResult(proposalId, result);
    const reward = rewardOf(checked, this.options);
    this.book.close(proposalId);
    if (!checked.ok) return;
    this.members.push([key, reward]);
    if (this.members.length > this.options.population) this.members.shift();
  }

  pending(): Proposal[] {
    return this.book.pending();
  }

  snapshot(): StrategySnapshot {
    return makeSnapshot(
      this,
      { ...this.options },
      { rng: this.rng.state(), book: this.book.snapshot(), members: this.members.map(([k, f]) => [k, f]) },
    );
  }
}

export const evolutionEntry: StrategyEntry = {
  description: 'regularized evolution (aging tournament selection, one-op mutations; population 10, sample 3)',
  create: (space, options) => RegularizedEvolutionStrategy.create(space, options),
  restore: (space, snapshot) => RegularizedEvolutionStrategy.restore(space, snapshot),
};
