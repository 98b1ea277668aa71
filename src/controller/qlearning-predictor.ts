/**
 * The default controller. Most of its proposals are one- and two-op mutations
 * of the best candidates measured so far, screened by an online performance
 * predictor before anything is trained; BlockQNN's Q-learning agent (Zhong et
 * al., CVPR 2018) learns from every result, but its episodes are a minority of
 * each pool (20 of about 240 with the defaults) and alone only in the warm-up.
 * `qlearning` (q-learning.ts) is the paper's method. Screening proposals is
 * the step the BlockQNN journal version (Zhong et al., "BlockQNN: Efficient
 * Block-wise Neural Network Architecture Generation", TPAMI 2021) takes to search on one GPU, and the pattern of predictor-guided
 * NAS (White et al., "BANANAS", AAAI 2021).
 *
 * - Warm-up: the first `warmup` proposals are the agent's own ε-greedy episodes
 *   (at the start of the schedule ε = 1, so a uniform sample of the space).
 * - Then every proposal is chosen from a pool of `policySamples` fresh agent
 *   episodes, `mutationsPerElite` one-op mutations of each of the `elite` best
 *   candidates measured so far and `doubleMutations` two-op mutations of the
 *   best; candidates already measured or in flight are left out. A Gaussian
 *   process over the space's features (gp-predictor.ts) ranks the pool by
 *   predicted reward; of the `shortlist` best, the one with the highest
 *   mean + β·spread (an upper confidence bound: exploration) is proposed.
 * - Every result still trains the Q-table exactly as in the paper mode
 *   (Q-learning is off-policy, so episodes the agent did not sample teach it as
 *   well), and every successful one enters the predictor.
 *
 * Measured on NAS-Bench-201 (CIFAR-10, 100 evaluations, `blockqnn bench
 * search`): 94.25 ± 0.21 against 93.76 for the paper mode and 93.74 for random
 * search. The gain comes from the predictor and the elite mutations: with no
 * agent episodes in the pool (`policySamples: 0`) the mean is the same within
 * noise (94.26 vs 94.25 over 300 runs). Its episodes stay in the pool for
 * spaces where the mutation neighbourhood is a poorer guide; that benefit is
 * not measured here.
 *
 * Failed evaluations are learned by the agent as `failureReward` and never
 * proposed again; they do not enter the predictor. In flight proposals are
 * excluded from the pool, so many asks before any tell give distinct
 * candidates.
 *
 * The predictor's cost grows as n² per result and its memory as n², so for
 * long searches it keeps at most `predictorPoints` results (default 500):
 * when full, it is rebuilt from the best quarter and the most recent quarter,
 * then grows again. The rebuilds happen at fixed positions of the result
 * history, so a restore works out which results the predictor holds and fits
 * it once, to the same numbers.
 */
import { GaussianProcessPredictor, type GpQuery } from './gp-predictor.js';
import { OptionReader } from './options.js';
import { ProposalBook, type BookSnapshot } from './proposal-book.js';
import {
  QLearner,
  type QLearnerSnapshot,
  Q_LEARNER_OPTION_NAMES,
  type ResolvedQLearnerOptions,
  resolveQLearnerOptions,
} from './q-learner.js';
import type { QLearningOptions } from './q-learning.js';
import { REWARD_OPTION_NAMES, type ResolvedRewardSettings, resolveRewardSettings, rewardOf } from './reward-settings.js';
import { Sfc32 } from './rng.js';
import type { AnySpace } from './space.js';
import {
  type EvaluationResult,
  type Proposal,
  type Strategy,
  type StrategyEntry,
  type StrategySnapshot,
  checkResult,
  checkSnapshot,
  makeSnapshot,
} from './strategy.js';

export interface QLearningPredictorOptions extends QLearningOptions {
  /** Unscreened agent episodes before the predictor takes over (default 30, or 30% of a smaller budget). */
  warmup?: number;
  /** Agent episodes in each screening pool (default 20). */
  policySamples?: number;
  /** Best measured candidates whose mutations join the pool (default 10). */
  elite?: number;
  /** One-op mutations drawn per elite candidate (default 12). */
  mutationsPerElite?: number;
  /** Two-op mutations of the best candidate (default 100). */
  doubleMutations?: number;
  /** Candidates with the best predicted mean that compete on the confidence bound (default 20). */
  shortlist?: number;
  /** Weight of the predicted spread in the confidence bound (default 1). */
  beta?: number;
  /** Kernel degree of the predictor (default 2). */
  degree?: number;
  /** Predictor noise variance in standardised units (default 0.05). */
  noise?: number;
  /** Most results the predictor is fitted on (default 500; see above). */
  predictorPoints?: number;
}

const QUERY_CACHE_LIMIT = 20_000;

const OWN_OPTIONS = [
  'warmup',
  'policySamples',
  'elite',
  'mutationsPerElite',
  'doubleMutations',
  'shortlist',
  'beta',
  'degree',
  'noise',
  'predictorPoints',
] as const;

type Resolved = { seed: number } & ResolvedQLearnerOptions & ResolvedRewardSettings & Record<(typeof OWN_OPTIONS)[number], number>;

/** [key, reward] of a measured candidate, or [key, null] for a failed one; in tell order. */
type HistoryEntry = [key: string, reward: number | null];

/** A successful result; `order` is its position among them. */
type Measured = { key: string; reward: number; candidate: unknown; order: number };

export class QLearningPredictorStrategy implements Strategy {
  readonly name = 'qlearning-predictor';
  private predictor: GaussianProcessPredictor;
  /** Measured (or failed) keys: never proposed again. */
  private readonly seen = new Set<string>();
  /** Successful results, best first (ties in tell order), for the elite. */
  private readonly ranked: Measured[] = [];
  /** Successful results in tell order. */
  private readonly measured: Measured[] = [];
  /** The results the predictor is fitted on, in tell order. */
  private members: Measured[] = [];
  /** False while a restore replays the history: the predictor is fitted once at the end. */
  private predictorLive = false;
  /**
   * Predictions of candidates seen in earlier pools, updated incrementally as
   * results arrive (the same numbers as fresh ones, so not part of a snapshot).
   * Cleared when it grows past QUERY_CACHE_LIMIT.
   */
  private readonly queries = new Map<string, GpQuery>();

  private constructor(
    readonly space: AnySpace,
    private readonly options: Resolved,
    private readonly rng: Sfc32,
    private readonly book: ProposalBook<number[]>,
    readonly learner: QLearner,
    private readonly history: HistoryEntry[],
  ) {
    this.predictor = this.newPredictor();
    for (const [key, reward] of history) this.record(key, reward);
    this.refit();
    this.predictorLive = true;
  }

  private static resolve(space: AnySpace, options: QLearningPredictorOptions): Resolved {
    const read = new OptionReader('qlearning-predictor', options, [...Q_LEARNER_OPTION_NAMES, ...REWARD_OPTION_NAMES, ...OWN_OPTIONS]);
    const count = (name: string, fallback: number, min = 0) => read.number(name, fallback, { min, integer: true });
    return {
      seed: read.seed,
      ...resolveQLearnerOptions(read, read.budget),
      ...resolveRewardSettings(read, space),
      // 30 at the benchmark's budget of 100; small budgets keep 30% of themselves for it.
      warmup: count('warmup', Math.min(30, Math.max(2, Math.round(0.3 * (read.budget ?? 100)))), 2),
      policySamples: count('policySamples', 20),
      elite: count('elite', 10, 1),
      mutationsPerElite: count('mutationsPerElite', 12),
      doubleMutations: count('doubleMutations', 100),
      shortlist: count('shortlist', 20, 1),
      beta: read.number('beta', 1, { min: 0 }),
      degree: count('degree', 2, 1),
      noise: read.number('noise', 0.05, { min: 0, above: true }),
      predictorPoints: count('predictorPoints', 500, 4),
    };
  }

  static create(space: AnySpace, options: QLearningPredictorOptions): QLearningPredictorStrategy {
    const resolved = QLearningPredictorStrategy.resolve(space, options);
    return new QLearningPredictorStrategy(
      space,
      resolved,
      Sfc32.fromSeed(resolved.seed),
      new ProposalBook(),
      QLearner.create(space, resolved),
      [],
    );
  }

  static restore(space: AnySpace, snapshot: StrategySnapshot): QLearningPredictorStrategy {
    checkSnapshot(snapshot, 'qlearning-predictor', space);
    const resolved = QLearningPredictorStrategy.resolve(space, snapshot.options as QLearningPredictorOptions);
    const state = snapshot.state as unknown as { rng: number[]; book: BookSnapshot; learner: QLearnerSnapshot; history: HistoryEntry[] };
    const history = state.history.map(([k, r]): HistoryEntry => [k, r]);
    return new QLearningPredictorStrategy(
      space,
      resolved,
      Sfc32.fromState(state.rng),
      ProposalBook.restore(state.book),
      QLearner.restore(space, resolved, state.learner),
      history,
    );
  }

  /** Results the predictor is fitted on now. */
  get predictorSize(): number {
    return this.predictor.size;
  }

  private newPredictor(): GaussianProcessPredictor {
    return new GaussianProcessPredictor(this.space.featureCount, { degree: this.options.degree, noise: this.options.noise });
  }

  private record(key: string, reward: number | null): void {
    this.seen.add(key);
    if (reward === null) return;
    const entry: Measured = { key, reward, candidate: this.space.parse(key), order: this.measured.length };
    this.measured.push(entry);
    let lo = 0;
    let hi = this.ranked.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ranked[mid]!.reward >= reward) lo = mid + 1;
      else hi = mid;
    }
    this.ranked.splice(lo, 0, entry);
    if (this.members.length < this.options.predictorPoints) {
      this.members.push(entry);
      if (this.predictorLive) this.predictor.add(this.space.features(entry.candidate), reward);
      return;
    }
    // Full: keep the best quarter and the most recent quarter (this result included), in tell order.
    const quarter = Math.floor(this.options.predictorPoints / 4);
    this.members = [...new Set([...this.ranked.slice(0, quarter), ...this.measured.slice(-quarter)])].sort((a, b) => a.order - b.order);
    if (this.predictorLive) this.refit();
  }

  /** Fits a new predictor on the members, in tell order: the same numbers as adding them one by one as they came. */
  private refit(): void {
    this.predictor = this.newPredictor();
    this.queries.clear();
    for (const m of this.members) this.predictor.add(this.space.features(m.candidate), m.reward);
  }

  ask(): Proposal {
    const epsilon = this.learner.schedule.epsilonAt(this.book.asked);
    const pending = new Set(this.book.pendingKeys());
    const taken = (key: string) => this.seen.has(key) || pending.has(key);
    if (this.book.asked >= this.options.warmup && this.predictor.size >= 2) {
      const screened = this.screen(epsilon, taken);
      if (screened) return this.book.issue(screened.key, screened.actions);
    }
    // The agent's own episode; a few redraws avoid re-measuring what is known.
    let episode = this.learner.episode(epsilon, this.rng);
    for (let retry = 0; retry < 20 && taken(episode.key); retry++) episode = this.learner.episode(Math.max(epsilon, 0.5), this.rng);
    return this.book.issue(episode.key, episode.actions);
  }

  /** Builds the pool and returns the candidate with the best confidence bound among the best predicted. */
  private screen(epsilon: number, taken: (key: string) => boolean): { key: string; actions: number[] } | undefined {
    const { space, rng, options: o } = this;
    const pool = new Map<string, unknown>();
    const offer = (candidate: unknown) => {
      const key = space.keyOf(candidate);
      if (!pool.has(key) && !taken(key)) pool.set(key, candidate);
    };
    for (let i = 0; i < o.policySamples; i++) offer(this.learner.episode(epsilon, rng).candidate);
    const elite = this.ranked.slice(0, o.elite).map((r) => r.candidate);
    for (const parent of elite) for (let i = 0; i < o.mutationsPerElite; i++) offer(space.mutate(parent, rng));
    const best = elite[0];
    if (best !== undefined) for (let i = 0; i < o.doubleMutations; i++) offer(space.mutate(space.mutate(best, rng), rng));
    if (pool.size === 0) return undefined;

    if (this.queries.size + pool.size > QUERY_CACHE_LIMIT) this.queries.clear();
    const scored = [...pool].map(([key, candidate]) => {
      let query = this.queries.get(key);
      if (!query) this.queries.set(key, (query = this.predictor.query(space.features(candidate))));
      return { key, candidate, query, mean: query.mean() };
    });
    // A stable order for equal means keeps the choice independent of the cache.
    scored.sort((a, b) => b.mean - a.mean);
    let choice = scored[0]!;
    let bound = -Infinity;
    for (const s of scored.slice(0, o.shortlist)) {
      const ucb = s.mean + o.beta * s.query.spread();
      if (ucb > bound) {
        bound = ucb;
        choice = s;
      }
    }
    return { key: choice.key, actions: space.episodeOf(choice.candidate) };
  }

  tell(proposalId: string, result: EvaluationResult): void {
    const { key, memo: actions } = this.book.get(proposalId);
    const checked = checkResult(proposalId, result);
    const reward = rewardOf(checked, this.options);
    this.learner.observe(actions, reward, this.rng);
    this.book.close(proposalId);
    const entry: HistoryEntry = [key, checked.ok ? reward : null];
    this.history.push(entry);
    this.record(...entry);
  }

  pending(): Proposal[] {
    return this.book.pending();
  }

  snapshot(): StrategySnapshot {
    return makeSnapshot(
      this,
      { ...this.options, schedule: this.options.schedule.map(([e, n]) => [e, n]) },
      {
        rng: this.rng.state(),
        book: this.book.snapshot(),
        learner: this.learner.snapshot(),
        history: this.history.map(([k, r]) => [k, r]),
      },
    );
  }
}

export const qLearningPredictorEntry: StrategyEntry = {
  description:
    "mostly mutations of the best cells measured so far, screened by a Gaussian-process predictor; the Q-learning agent learns from every result but its episodes are a minority of the pool (the paper's method is qlearning)",
  create: (space, options) => QLearningPredictorStrategy.create(space, options),
  restore: (space, snapshot) => QLearningPredictorStrategy.restore(space, snapshot),
};
