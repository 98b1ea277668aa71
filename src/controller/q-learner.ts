/**
 * The BlockQNN agent (Zhong et al., "Practical Block-wise Neural Network
 * Architecture Generation", CVPR 2018): tabular Q-values over (current layer,
 * next layer), ε-greedy episodes along an epsilon schedule, experience replay
 * and the shaped reward r_t = r_T / T. Strategies wrap it: `qlearning` uses it
 * alone (the paper's mode), `qlearning-predictor` screens its proposals.
 *
 * Defaults are the paper's: α = 0.01, γ = 1, Q-values start at 0, the
 * schedule of {@link PAPER_SCHEDULE} (1.0 → 0.1), an update every 64 results
 * (one iteration) replaying 128 stored episodes. Given a budget B and no
 * explicit schedule, the paper's schedule is rescaled to B candidates and the
 * update period to max(1, round(64·B / 11,392)), keeping the paper's
 * proportions: at B = 100 that is 53 candidates at ε = 1.0, then 4–7 at each
 * of 0.9 … 0.1, and an update after every result.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import type { OptionReader } from './options.js';
import { QTable, type QTableSnapshot } from './q-table.js';
import { ReplayMemory, type ReplaySnapshot } from './replay.js';
import type { Rng } from './rng.js';
import { EpsilonSchedule, PAPER_BLOCKS_PER_ITERATION, PAPER_SCHEDULE, type SchedulePairs, scaleSchedule } from './schedule.js';
import type { AnySpace } from './space.js';

/** Options of the agent, as a user writes them. */
export interface QLearnerOptions {
  alpha?: number;
  gamma?: number;
  initialQ?: number;
  /** [epsilon, count] pairs; default: the paper's, scaled to the budget when one is given. */
  schedule?: SchedulePairs;
  /** Results between Q updates (default 64, scaled with the schedule). */
  updateEvery?: number;
  /** Episodes replayed per update (default 128). */
  replaySamples?: number;
  /** Episodes kept for replay (default 20,000: all of the paper's ~11k). */
  replayCapacity?: number;
}

export const Q_LEARNER_OPTION_NAMES = ['alpha', 'gamma', 'initialQ', 'schedule', 'updateEvery', 'replaySamples', 'replayCapacity'] as const;

export type ResolvedQLearnerOptions = {
  alpha: number;
  gamma: number;
  initialQ: number;
  schedule: [number, number][];
  updateEvery: number;
  replaySamples: number;
  replayCapacity: number;
};

export type QLearnerSnapshot = { q: QTableSnapshot; replay: ReplaySnapshot; sinceUpdate: number; updates: number };

/** Fills the paper's defaults, scaling the schedule and update period to `budget` if given. */
export function resolveQLearnerOptions(read: OptionReader, budget: number | undefined): ResolvedQLearnerOptions {
  const schedule =
    read.raw('schedule') !== undefined
      ? new EpsilonSchedule(read.raw('schedule')).pairs
      : budget !== undefined
        ? scaleSchedule(PAPER_SCHEDULE, budget)
        : PAPER_SCHEDULE;
  const paperTotal = PAPER_SCHEDULE.reduce((s, [, n]) => s + n, 0);
  const scaledUpdate =
    budget === undefined ? PAPER_BLOCKS_PER_ITERATION : Math.max(1, Math.round((PAPER_BLOCKS_PER_ITERATION * budget) / paperTotal));
  return {
    alpha: read.number('alpha', 0.01, { min: 0, above: true, max: 1 }),
    gamma: read.number('gamma', 1, { min: 0, max: 1 }),
    initialQ: read.number('initialQ', 0),
    schedule: schedule.map(([e, n]) => [e, n]),
    updateEvery: read.number('updateEvery', scaledUpdate, { min: 1, integer: true }),
    replaySamples: read.number('replaySamples', 128, { min: 1, integer: true }),
    replayCapacity: read.number('replayCapacity', 20_000, { min: 1, integer: true }),
  };
}

export class QLearner {
  readonly schedule: EpsilonSchedule;
  private sinceUpdate = 0;
  private updateCount = 0;

  private constructor(
    private readonly space: AnySpace,
    readonly options: ResolvedQLearnerOptions,
    readonly table: QTable,
    readonly replay: ReplayMemory,
  ) {
    this.schedule = new EpsilonSchedule(options.schedule);
  }

  static create(space: AnySpace, options: ResolvedQLearnerOptions): QLearner {
    return new QLearner(space, options, new QTable(options.initialQ), new ReplayMemory(space, options.replayCapacity));
  }

  static restore(space: AnySpace, options: ResolvedQLearnerOptions, snapshot: QLearnerSnapshot): QLearner {
    if (!snapshot || typeof snapshot !== 'object')
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, 'strategy snapshot: missing Q-learner state');
    const learner = new QLearner(
      space,
      options,
      QTable.restore(snapshot.q, options.initialQ),
      ReplayMemory.restore(space, options.replayCapacity, snapshot.replay),
    );
    learner.sinceUpdate = snapshot.sinceUpdate;
    learner.updateCount = snapshot.updates;
    return learner;
  }

  /** Q updates done so far. */
  get updates(): number {
    return this.updateCount;
  }

  /** One ε-greedy episode: a random legal action with probability ε, else the greedy one, at each step. */
  episode(epsilon: number, rng: Rng): { actions: number[]; key: string; candidate: unknown } {
    const space = this.space;
    let state = space.initialState();
    const actions: number[] = [];
    while (!space.isTerminal(state)) {
      const legal = space.legalActions(state);
      const action = rng.next() < epsilon ? legal[rng.int(legal.length)]! : this.table.greedy(space.stateKey(state), legal, rng);
      actions.push(action);
      state = space.step(state, action);
    }
    const candidate = space.candidateOf(state);
    return { actions, key: space.keyOf(candidate), candidate };
  }

  /**
   * Stores an episode with its (already shaped) final reward; every
   * `updateEvery` results, replays `replaySamples` stored episodes into the
   * Q-table. The reward was checked finite by the caller; it is checked again
   * here, before anything changes.
   */
  observe(actions: readonly number[], reward: number, rng: Rng): void {
    this.replay.add({ actions, reward });
    if (++this.sinceUpdate < this.options.updateEvery) return;
    this.sinceUpdate = 0;
    this.updateCount++;
    const { alpha, gamma, replaySamples } = this.options;
    for (const sample of this.replay.sample(replaySamples, rng)) this.table.learnEpisode(sample.transitions, sample.reward, alpha, gamma);
  }

  snapshot(): QLearnerSnapshot {
    return { q: this.table.snapshot(), replay: this.replay.snapshot(), sinceUpdate: this.sinceUpdate, updates: this.updateCount };
  }
}
