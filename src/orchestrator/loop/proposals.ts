/**
 * Proposal and refill: asks the strategy for candidates until `maxInFlight`
 * are queued or the budget is spent. Duplicates are told their known result
 * (or wait for the one in flight), cached results are committed at once, codes
 * no network can be built from are told as failed, and the rest are recorded
 * and enqueued in batches.
 */
import type { Proposal } from '../../controller/index.js';
import { MAX_BATCH } from '../../store/index.js';
import type { MaterializedCandidate } from '../candidates.js';
import { commitArrived } from './commit.js';
import { enqueue } from './enqueue.js';
import { cachedReport, cachedResult } from './result-cache.js';
import type { LoopState } from './state.js';

/** Consecutive proposals of already-known candidates after which the space counts as exhausted. */
const EXHAUSTED_AFTER = 2000;

export async function refill(s: LoopState): Promise<void> {
  const fresh: MaterializedCandidate[] = [];
  let duplicates = 0;
  while (s.inFlight.size < s.config.maxInFlight && s.canAsk()) {
    const proposal = s.strategy.ask();
    let m: MaterializedCandidate;
    try {
      // Hashing is cheap and most late proposals are known: building the network waits until it is needed.
      if (s.handleDuplicate(proposal, s.deps.candidates.hashOf(proposal.key))) {
        if (++duplicates >= EXHAUSTED_AFTER) {
          s.exhausted = true;
          s.deps.log(`run ${s.runId}: ${EXHAUSTED_AFTER} proposals in a row were known candidates; the space looks exhausted`);
        }
        continue;
      }
      m = s.deps.candidates.materialize(proposal.key);
    } catch (error) {
      // A code the strategy may legally write but no network can be built from (e.g. too deep for the image).
      await commitUnbuildable(s, proposal, error, fresh);
      continue;
    }
    duplicates = 0;
    const cached = await cachedResult(s, m.hash);
    s.track(proposal, m);
    s.recorded++;
    if (cached) {
      await flushFresh(s, fresh);
      await s.deps.store.upsertQueuedCandidates(s.runId, [newCandidate(s, m)]);
      s.reports.push(cachedReport(s, m.hash, cached));
      await commitArrived(s);
      continue;
    }
    fresh.push(m);
  }
  await flushFresh(s, fresh);
}

async function commitUnbuildable(s: LoopState, proposal: Proposal, error: unknown, fresh: MaterializedCandidate[]): Promise<void> {
  await flushFresh(s, fresh);
  const message = error instanceof Error ? error.message : String(error);
  s.strategy.tell(proposal.id, { status: 'failed', reason: message });
  s.deps.log(`run ${s.runId}: proposal ${proposal.key} cannot be built: ${message}`);
  await s.deps.store.appendEvent(s.runId, 'unbuildable', { key: proposal.key, error: message.slice(0, 2000) });
}

function newCandidate(s: LoopState, m: MaterializedCandidate) {
  return {
    hash: m.hash,
    nsc: m.key,
    ...(s.deps.candidates.storesIr && m.ir ? { ir: m.ir } : {}),
    flops: m.flops,
    params: m.params,
    density: m.density,
  };
}

async function flushFresh(s: LoopState, fresh: MaterializedCandidate[]): Promise<void> {
  if (fresh.length === 0) return;
  while (fresh.length > 0) {
    const batch = fresh.splice(0, MAX_BATCH);
    await s.deps.store.upsertQueuedCandidates(
      s.runId,
      batch.map((m) => newCandidate(s, m)),
    );
    await enqueue(s, batch);
  }
}
