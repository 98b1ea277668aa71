/** Public surface of the controller: decision spaces, the strategy port and its strategies, and the pieces of BlockQNN's Q-learning. */
export type { DecisionSpace, AnySpace, Transition } from './space.js';
export { legalMask, replayEpisode, randomEpisode } from './space.js';
export { Nb201Space, effectiveOps } from './nb201-space.js';
export type { Nb201State, Nb201Candidate } from './nb201-space.js';
export { NscSpace } from './nsc-space.js';
export type { NscState, NscSpaceOptions } from './nsc-space.js';
export { Sfc32 } from './rng.js';
export type { Rng, RngState } from './rng.js';
export { SNAPSHOT_FORMAT, checkResult } from './strategy.js';
export type {
  Strategy,
  StrategyEntry,
  StrategyOptions,
  StrategySnapshot,
  Proposal,
  EvaluationResult,
  FailureStatus,
  JsonValue,
} from './strategy.js';
export { strategies, decisionSpaces, restoreStrategy, DEFAULT_STRATEGY } from './registry.js';
export type { SpaceFactory } from './registry.js';
export { RandomSearchStrategy } from './random-search.js';
export { RegularizedEvolutionStrategy } from './evolution.js';
export type { EvolutionOptions } from './evolution.js';
export { QLearningStrategy } from './q-learning.js';
export type { QLearningOptions } from './q-learning.js';
export { QLearningPredictorStrategy } from './qlearning-predictor.js';
export type { QLearningPredictorOptions } from './qlearning-predictor.js';
export { QLearner } from './q-learner.js';
export type { QLearnerOptions } from './q-learner.js';
export { QTable, qUpdate, qTarget } from './q-table.js';
export { ReplayMemory } from './replay.js';
export {
  EpsilonSchedule,
  PAPER_SCHEDULE,
  PAPER_SCHEDULE_ITERATIONS,
  PAPER_BLOCKS_PER_ITERATION,
  parseSchedule,
  scaleSchedule,
} from './schedule.js';
export type { SchedulePairs } from './schedule.js';
export { shapedReward, stepReward, rewardOptions, DEFAULT_REWARD, FITNESS_ONLY_REWARD } from './reward.js';
export type { RewardOptions, RewardInput } from './reward.js';
export { GaussianProcessPredictor } from './gp-predictor.js';
export type { GpOptions } from './gp-predictor.js';
export {
  DEFAULT_PRUNER,
  NO_PRUNER,
  createPruner,
  normalizePrunerSpec,
  pruners,
  MedianPruner,
  AshaPruner,
  NoPruner,
  rungEpochs,
} from './pruners/index.js';
export type { EpochNeeds, EpochView, Pruner, PruneDecision, PrunerSpec, PrunerEntry, MedianOptions, AshaOptions } from './pruners/index.js';
