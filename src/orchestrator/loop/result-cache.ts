/**
 * The result-cache shortcut: a candidate or baseline whose result an earlier
 * run with the same task key and engine recorded is answered from the store
 * (when `reuseResults` is on) with a report shaped as a worker's, and committed
 * through the same path as any result, without a job.
 */
import type { JobReport } from '../../queue/evaluation-queue.js';
import type { CachedResult } from '../../store/index.js';
import type { LoopState } from './state.js';

type Cached = Pick<CachedResult, 'status' | 'accuracy' | 'metrics'>;

/** The cached result of `hash`, or null (always null when the run does not reuse results). */
export async function cachedResult(s: LoopState, hash: string): Promise<CachedResult | null> {
  return s.config.reuseResults ? await s.deps.store.cachedResult(s.config.taskKey, hash) : null;
}

/** The cache entry as a worker's report; no training happened in this run, so no seconds are counted. */
export function cachedReport(s: LoopState, hash: string, cached: Cached): JobReport {
  s.answeredFromCache.add(hash);
  return {
    kind: 'result',
    result: {
      contract: 'blockqnn/result@1',
      runId: s.runId,
      candidateHash: hash,
      status: cached.status,
      accuracy: cached.accuracy,
      curve: [],
      trainSeconds: 0,
      evalSeconds: 0,
      imagesPerSecond: null,
      worker: { id: 'cache', host: 'cache', pid: 0 },
      engine: { name: s.config.engine, description: 'result cache' },
      attempt: 1,
      finishedAt: Date.now(),
      ...(cached.metrics ? { extra: { ...cached.metrics } } : {}),
    },
  };
}
