/**
 * The epsilon schedule of BlockQNN's ε-greedy agent (Zhong et al., CVPR 2018,
 * its epsilon-schedule table, after MetaQNN): a list of [ε, count] pairs, "sample `count`
 * candidates with exploration rate ε, then move on". The paper counts
 * iterations of 64 blocks: ε = 1.0 for 95 iterations, then 0.9 … 0.2 for 7, 7,
 * 7, 10, 10, 10, 10, 10 iterations and 0.1 for 12 — 178 × 64 = 11,392 blocks,
 * the "about 11k blocks" of its 3-day search. Past the end, the last ε holds.
 *
 * A position is the number of candidates asked for so far, so an asynchronous
 * search with many candidates in flight moves along the schedule as it asks,
 * and restoring a snapshot restores the position exactly.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';

export type SchedulePairs = readonly (readonly [epsilon: number, count: number])[];

/** Blocks the paper samples per iteration. */
export const PAPER_BLOCKS_PER_ITERATION = 64;

/** The paper's schedule in iterations. */
export const PAPER_SCHEDULE_ITERATIONS: SchedulePairs = [
  [1.0, 95],
  [0.9, 7],
  [0.8, 7],
  [0.7, 7],
  [0.6, 10],
  [0.5, 10],
  [0.4, 10],
  [0.3, 10],
  [0.2, 10],
  [0.1, 12],
];

/** The paper's schedule in candidates (iterations × 64): 11,392 in all. */
export const PAPER_SCHEDULE: SchedulePairs = PAPER_SCHEDULE_ITERATIONS.map(([e, n]) => [e, n * PAPER_BLOCKS_PER_ITERATION] as const);

function invalid(problem: string, value: unknown): never {
  throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `invalid epsilon schedule: ${problem}`, {
    hint: 'write a list of [epsilon, count] pairs with epsilon in [0, 1] and count a positive integer, e.g. [[1, 50], [0.5, 25], [0.1, 25]]',
    details: { schedule: value },
  });
}

/** Checks a schedule given as data (a config file, a snapshot) and returns it typed. */
export function parseSchedule(value: unknown): SchedulePairs {
  if (!Array.isArray(value) || value.length === 0) invalid('expected a non-empty list of [epsilon, count] pairs', value);
  return value.map((pair: unknown, i) => {
    if (!Array.isArray(pair) || pair.length !== 2)
      invalid(`entry ${i + 1} is ${JSON.stringify(pair)}, not an [epsilon, count] pair`, value);
    const [epsilon, count] = pair as unknown[];
    if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon < 0 || epsilon > 1) {
      invalid(`entry ${i + 1}: epsilon ${JSON.stringify(epsilon)} is not a number in [0, 1]`, value);
    }
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
      invalid(`entry ${i + 1}: count ${JSON.stringify(count)} is not a positive integer`, value);
    }
    return [epsilon, count] as const;
  });
}

/**
 * Rescales the counts so they sum to `total`, keeping the proportions (largest
 * remainders get the rounding); pairs whose share rounds to 0 are dropped. This
 * is how the paper's 11,392-block schedule becomes a 100-evaluation one.
 */
export function scaleSchedule(schedule: SchedulePairs, total: number): SchedulePairs {
  const pairs = parseSchedule(schedule);
  if (!Number.isInteger(total) || total < 1)
    invalid(`cannot scale to ${total} candidates; the budget must be a positive integer`, schedule);
  const sum = pairs.reduce((s, [, n]) => s + n, 0);
  const exact = pairs.map(([, n]) => (n * total) / sum);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((s, n) => s + n, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left === 0) break;
    counts[i]!++;
    left--;
  }
  return pairs.map(([e], i) => [e, counts[i]!] as const).filter(([, n]) => n > 0);
}

/** Looks up ε by position. */
export class EpsilonSchedule {
  readonly pairs: SchedulePairs;
  /** Position at which each pair ends (exclusive). */
  private readonly ends: number[];

  constructor(pairs: unknown) {
    this.pairs = parseSchedule(pairs);
    let end = 0;
    this.ends = this.pairs.map(([, n]) => (end += n));
  }

  /** Candidates the schedule spans. */
  get length(): number {
    return this.ends[this.ends.length - 1]!;
  }

  /** ε for the candidate at `position` (0-based); the last ε after the end. */
  epsilonAt(position: number): number {
    for (let i = 0; i < this.ends.length; i++) if (position < this.ends[i]!) return this.pairs[i]![0];
    return this.pairs[this.pairs.length - 1]![0];
  }

  /** Index of the pair in force at `position` (the last one after the end). */
  stageAt(position: number): number {
    const i = this.ends.findIndex((end) => position < end);
    return i === -1 ? this.ends.length - 1 : i;
  }
}
