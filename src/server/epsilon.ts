/**
 * The ε-greedy schedule of a run's strategy (BlockQNN, Zhong et al. CVPR 2018:
 * ε from 1.0 down to 0.1 over the search) and where the run is on it. The
 * schedule is the one the strategy resolves from the run's stored options (so
 * a budget-scaled schedule shows as the run uses it); strategies without one
 * (evolution, random) have none.
 */
import { parseSearchConfig } from '../orchestrator/config.js';
import { strategyFor } from '../orchestrator/session.js';
import type { Run } from '../store/index.js';
import type { SeriesResponse } from './api-types.js';

export function epsilonSchedule(run: Run): [number, number][] | null {
  try {
    const config = parseSearchConfig(run.config);
    const strategy = strategyFor(config);
    const schedule = strategy.snapshot().options.schedule;
    if (!Array.isArray(schedule)) return null;
    const pairs = schedule.filter((p): p is [number, number] => Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'number');
    return pairs.length ? pairs.map(([e, n]) => [e, n]) : null;
  } catch {
    return null;
  }
}

/** ε at `position` candidates asked: the pair whose span holds it, or the last ε past the end. */
export function epsilonAt(schedule: readonly (readonly [number, number])[], position: number): number {
  let end = 0;
  for (const [epsilon, count] of schedule) {
    end += count;
    if (position < end) return epsilon;
  }
  return schedule[schedule.length - 1]![0];
}

export function epsilonView(schedule: [number, number][] | null, run: Run): SeriesResponse['epsilon'] {
  if (!schedule) return null;
  return { schedule, position: run.candidateCount, current: epsilonAt(schedule, run.candidateCount) };
}
