/**
 * The search-space port of the controller: architecture generation as a
 * sequence of decisions, as in BlockQNN (Zhong et al., CVPR 2018),
 * where the agent picks one layer after another until it picks the terminal.
 *
 * Actions are small integers `0 … actionCount-1` (an index into the space's
 * fixed action list), so a Q-table row is a sparse map from action to value and
 * a snapshot stays compact. A state knows its whole history, so legality (the
 * mask) can depend on everything chosen so far, while `stateKey` is what the
 * Q-table is indexed by (for BlockQNN: the current layer's code only).
 *
 * Besides the episode view, a space offers what reference and sample-efficient
 * strategies need: the action sequence that builds a given candidate (so
 * Q-learning can learn from candidates it did not sample), a one-op mutation
 * (regularized evolution) and a fixed-length feature vector (predictors).
 *
 * @example
 * const space = new Nb201Space();
 * let state = space.initialState();
 * while (!space.isTerminal(state)) state = space.step(state, space.legalActions(state)[0]!);
 * space.keyOf(space.candidateOf(state)); // '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|'
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import type { Rng } from './rng.js';

export interface DecisionSpace<S = unknown, C = unknown> {
  /** Registered name, recorded in snapshots: `nsc`, `nasbench201`. */
  readonly name: string;
  /** Settings that change the space (e.g. `maxIndex`), recorded in snapshots and checked on restore. */
  readonly settings: Readonly<Record<string, number | string | boolean>>;
  /** Size of the action list; actions are 0 … actionCount-1. */
  readonly actionCount: number;
  /** Length of {@link features}. */
  readonly featureCount: number;
  /** μ and ρ of the shaped reward unless a strategy's options set them (reward.ts). */
  readonly rewardDefaults: { readonly mu: number; readonly rho: number };

  initialState(): S;
  /** Actions allowed in `state`, ascending; empty exactly when the state is terminal. */
  legalActions(state: S): readonly number[];
  /** The state after `action`; throws InvalidArchitectureError for an illegal action. */
  step(state: S, action: number): S;
  isTerminal(state: S): boolean;
  /** Q-table key of a state. */
  stateKey(state: S): string;
  /** Human-readable form of an action, for logs and Q-table dumps. */
  describeAction(action: number): string;

  /** The candidate a terminal state describes. */
  candidateOf(state: S): C;
  /** The candidate's identity: equal keys are the same architecture. */
  keyOf(candidate: C): string;
  /** Parses and validates a key; throws InvalidArchitectureError. */
  parse(key: string): C;
  /** An action sequence that builds the candidate from the initial state. */
  episodeOf(candidate: C): number[];
  /** A valid candidate differing from `candidate` by one operation or one connection. */
  mutate(candidate: C, rng: Rng): C;
  /** A fixed-length numeric description for performance predictors. */
  features(candidate: C): Float64Array;
}

/** Any space, as strategies and registries hold them. */
export type AnySpace = DecisionSpace<any, any>;

/** The legal actions of `state` as a mask over the whole action list (1 = legal). */
export function legalMask<S>(space: DecisionSpace<S, unknown>, state: S): Uint8Array {
  const mask = new Uint8Array(space.actionCount);
  for (const a of space.legalActions(state)) mask[a] = 1;
  return mask;
}

/** One transition of an episode, as Q-learning consumes it. */
export interface Transition {
  readonly stateKey: string;
  readonly action: number;
  /** Q-table key of the next state, or null when the next state is terminal. */
  readonly nextStateKey: string | null;
  /** Legal actions of the next state (empty when terminal). */
  readonly nextLegal: readonly number[];
}

/**
 * Replays an action sequence from the initial state, checking each action
 * against the mask, and returns its transitions and final state.
 */
export function replayEpisode<S>(space: DecisionSpace<S, unknown>, actions: readonly number[]): { transitions: Transition[]; state: S } {
  let state = space.initialState();
  const transitions: Transition[] = [];
  for (const action of actions) {
    if (space.isTerminal(state)) {
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, `episode continues after a terminal state in space ${space.name}`, {
        details: { actions: [...actions] },
      });
    }
    const key = space.stateKey(state);
    state = space.step(state, action);
    const terminal = space.isTerminal(state);
    transitions.push({
      stateKey: key,
      action,
      nextStateKey: terminal ? null : space.stateKey(state),
      nextLegal: terminal ? [] : space.legalActions(state),
    });
  }
  if (!space.isTerminal(state)) {
    throw new BlockqnnError(
      ErrorCode.INVALID_INPUT,
      `episode of ${actions.length} actions ends before a terminal state in space ${space.name}`,
      {
        details: { actions: [...actions] },
      },
    );
  }
  return { transitions, state };
}

/** Draws a uniformly random legal action at every step (the ε = 1 policy). */
export function randomEpisode<S>(space: DecisionSpace<S, unknown>, rng: Rng): { actions: number[]; state: S } {
  let state = space.initialState();
  const actions: number[] = [];
  while (!space.isTerminal(state)) {
    const legal = space.legalActions(state);
    const action = legal[rng.int(legal.length)]!;
    actions.push(action);
    state = space.step(state, action);
  }
  return { actions, state };
}
