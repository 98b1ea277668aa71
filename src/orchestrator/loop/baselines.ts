/**
 * The run's hand-designed baselines: queued through the same queue, engine,
 * recipe and reward shaping as candidates, but never told to the strategy,
 * committed without a snapshot, counted against no budget; a resumed run
 * evaluates only those without a result.
 */
import { RESULT_STATUSES } from '../../store/index.js';
import type { MaterializedBaseline } from '../baselines.js';
import { commitArrived } from './commit.js';
import { enqueue } from './enqueue.js';
import { cachedReport, cachedResult } from './result-cache.js';
import type { LoopState } from './state.js';

/**
 * Queues the run's baselines once: rows already holding a result (a resumed
 * run) are left alone, rows still open are collected or re-enqueued by
 * reconcile, new ones are answered from the result cache or enqueued.
 */
export async function startBaselines(s: LoopState): Promise<void> {
  const list = s.deps.baselines?.() ?? [];
  if (list.length === 0) return;
  const rows = await s.deps.store.upsertQueuedBaselines(
    s.runId,
    list.map((m) => ({ hash: m.hash, nsc: m.key, ir: m.ir, flops: m.flops, params: m.params, density: m.density, baseline: m.baseline })),
  );
  const fresh: MaterializedBaseline[] = [];
  let finished = 0;
  let cachedCount = 0;
  for (const [i, { candidate, created }] of rows.entries()) {
    if ((RESULT_STATUSES as readonly string[]).includes(candidate.status)) {
      finished++;
      continue;
    }
    const m = list[i]!;
    s.baselinesInFlight.set(m.hash, m);
    if (!created) continue;
    const cached = await cachedResult(s, m.hash);
    if (cached) {
      s.reports.push(cachedReport(s, m.hash, cached));
      cachedCount++;
    } else fresh.push(m);
  }
  if (fresh.length > 0) await enqueue(s, fresh);
  const waiting = s.baselinesInFlight.size - fresh.length - cachedCount;
  // Committed now: left in flight, reconcile would find no job for them and train them after all.
  if (cachedCount > 0) await commitArrived(s);
  s.deps.log(
    `run ${s.runId}: ${list.length} baseline(s): ${finished} already evaluated, ${cachedCount} from the result cache, ${fresh.length} queued, ${waiting} waiting from before`,
  );
}
