/**
 * Tabular Q-values of BlockQNN (Zhong et al., CVPR 2018, after Watkins' Q-learning
 * as used by MetaQNN), with the update rule
 *
 *   Q(s_t, a_t) ← (1 − α)·Q(s_t, a_t) + α·[r_t + γ·max_{a'} Q(s_{t+1}, a')]
 *
 * where the max runs over the actions legal in s_{t+1} and is 0 when s_{t+1} is
 * terminal. Rows are sparse: an entry exists once it has been updated, every
 * other value reads as `initialQ`. Non-finite values are refused at the door,
 * so a NaN can never spread through the max of later updates.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import type { Rng } from './rng.js';
import type { Transition } from './space.js';

/** One update: (1 − α)·q + α·target. */
export function qUpdate(q: number, target: number, alpha: number): number {
  return (1 - alpha) * q + alpha * target;
}

/** The bootstrapped target r + γ·max_{a'} Q(s', a'). */
export function qTarget(reward: number, gamma: number, maxNext: number): number {
  return reward + gamma * maxNext;
}

export type QTableSnapshot = [stateKey: string, entries: [action: number, value: number][]][];

function checkFinite(what: string, value: number): void {
  if (!Number.isFinite(value)) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `Q-learning: ${what} is ${value}; a non-finite value never enters the Q-table`, {
      hint: 'report an evaluation whose accuracy is NaN or infinite as failed',
    });
  }
}

export class QTable {
  private readonly rows = new Map<string, Map<number, number>>();

  constructor(readonly initialQ = 0) {
    checkFinite('initialQ', initialQ);
  }

  get(stateKey: string, action: number): number {
    return this.rows.get(stateKey)?.get(action) ?? this.initialQ;
  }

  set(stateKey: string, action: number, value: number): void {
    checkFinite(`Q(${stateKey}, ${action})`, value);
    let row = this.rows.get(stateKey);
    if (!row) this.rows.set(stateKey, (row = new Map()));
    row.set(action, value);
  }

  /** max over `legal` of Q(state, ·); 0 for a terminal state (no legal actions). */
  maxOver(stateKey: string | null, legal: readonly number[]): number {
    if (stateKey === null || legal.length === 0) return 0;
    const row = this.rows.get(stateKey);
    if (!row) return this.initialQ;
    let best = -Infinity;
    let unseen = false;
    for (const a of legal) {
      const q = row.get(a);
      if (q === undefined) unseen = true;
      else if (q > best) best = q;
    }
    return unseen && this.initialQ > best ? this.initialQ : best;
  }

  /** A legal action of largest Q; ties broken uniformly at random so an untrained table acts like ε = 1. */
  greedy(stateKey: string, legal: readonly number[], rng: Rng): number {
    const row = this.rows.get(stateKey);
    if (!row) return legal[rng.int(legal.length)]!;
    let best = -Infinity;
    let ties: number[] = [];
    for (const a of legal) {
      const q = row.get(a) ?? this.initialQ;
      if (q > best) {
        best = q;
        ties = [a];
      } else if (q === best) ties.push(a);
    }
    return ties.length === 1 ? ties[0]! : ties[rng.int(ties.length)]!;
  }

  /**
   * Applies BlockQNN's update along one episode with the shaped reward r_t = r_T / T
   * on every step, last step first, so the final reward reaches the first step in
   * one pass (as MetaQNN replays its trajectories).
   */
  learnEpisode(transitions: readonly Transition[], finalReward: number, alpha: number, gamma: number): void {
    checkFinite('reward', finalReward);
    const r = finalReward / transitions.length;
    for (let t = transitions.length - 1; t >= 0; t--) {
      const { stateKey, action, nextStateKey, nextLegal } = transitions[t]!;
      const target = qTarget(r, gamma, this.maxOver(nextStateKey, nextLegal));
      this.set(stateKey, action, qUpdate(this.get(stateKey, action), target, alpha));
    }
  }

  /** Number of (state, action) entries that were ever updated. */
  get size(): number {
    let n = 0;
    for (const row of this.rows.values()) n += row.size;
    return n;
  }

  snapshot(): QTableSnapshot {
    return [...this.rows].map(([s, row]) => [s, [...row]]);
  }

  static restore(snapshot: QTableSnapshot, initialQ: number): QTable {
    const table = new QTable(initialQ);
    if (!Array.isArray(snapshot))
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, 'Q-table snapshot must be a list of [state, entries] pairs');
    for (const [state, entries] of snapshot) for (const [action, value] of entries) table.set(state, action, value);
    return table;
  }
}
