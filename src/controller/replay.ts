/**
 * Experience replay of BlockQNN (Zhong et al., CVPR 2018, after MetaQNN): every
 * finished episode is kept with its final reward, and each Q update replays a
 * uniform sample of them (128 in the paper), so early results keep shaping the
 * Q-values after the agent has moved on, and results that arrive late or out of
 * order count as much as the others.
 *
 * Episodes are stored as action lists (that is what a snapshot holds) and
 * replayed through the space when added, which checks them against the legal
 * masks and caches their transitions for the updates.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import type { Rng } from './rng.js';
import { type DecisionSpace, type Transition, replayEpisode } from './space.js';

export interface Experience {
  readonly actions: readonly number[];
  readonly reward: number;
}

/** Entries in storage order plus the ring-buffer head, so sampling after a restore draws the same entries. */
export type ReplaySnapshot = {
  head: number;
  entries: [actions: number[], reward: number][];
};

export class ReplayMemory {
  private readonly entries: Experience[] = [];
  private readonly transitions: Transition[][] = [];
  /** Index of the oldest entry once the memory is full (a ring buffer). */
  private head = 0;

  /** `capacity`: most episodes kept; the oldest is dropped beyond it. */
  constructor(
    private readonly space: DecisionSpace<unknown, unknown>,
    readonly capacity: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `replay capacity must be a positive integer, got ${String(capacity)}`);
    }
  }

  get size(): number {
    return this.entries.length;
  }

  add(experience: Experience): void {
    if (!Number.isFinite(experience.reward)) {
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, `replay: reward ${experience.reward} is not finite and is not stored`);
    }
    const copy = { actions: [...experience.actions], reward: experience.reward };
    const transitions = replayEpisode(this.space, copy.actions).transitions;
    if (this.entries.length < this.capacity) {
      this.entries.push(copy);
      this.transitions.push(transitions);
    } else {
      this.entries[this.head] = copy;
      this.transitions[this.head] = transitions;
      this.head = (this.head + 1) % this.capacity;
    }
  }

  /** `count` experiences drawn uniformly with replacement, with their transitions. */
  sample(count: number, rng: Rng): { transitions: Transition[]; reward: number }[] {
    if (this.entries.length === 0) return [];
    const out: { transitions: Transition[]; reward: number }[] = [];
    for (let i = 0; i < count; i++) {
      const k = rng.int(this.entries.length);
      out.push({ transitions: this.transitions[k]!, reward: this.entries[k]!.reward });
    }
    return out;
  }

  snapshot(): ReplaySnapshot {
    return { head: this.head, entries: this.entries.map((e) => [[...e.actions], e.reward]) };
  }

  static restore(space: DecisionSpace<unknown, unknown>, capacity: number, snapshot: ReplaySnapshot): ReplayMemory {
    const memory = new ReplayMemory(space, capacity);
    const { head, entries } = snapshot ?? {};
    if (
      !Array.isArray(entries) ||
      entries.length > capacity ||
      !Number.isInteger(head) ||
      head < 0 ||
      head >= Math.max(1, entries.length)
    ) {
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, `replay snapshot must be {head, entries} with at most ${capacity} entries`);
    }
    for (const [actions, reward] of entries) memory.add({ actions, reward });
    memory.head = head;
    return memory;
  }
}
