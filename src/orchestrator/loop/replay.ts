/**
 * Restore and replay on resume: the strategy comes back from the latest
 * committed snapshot (or is created fresh), the committed results are loaded,
 * and the proposals recorded after the snapshot are asked again. Asking is a
 * pure function of the snapshot, so it must give exactly the recorded
 * candidates; anything else is a bug reported, never papered over.
 */
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { type Candidate, type CandidateQuery, RESULT_STATUSES } from '../../store/index.js';
import { type BoardCurve, boardCurve } from '../../queue/pruning-board.js';
import type { LoopState } from './state.js';
import { type KnownResult, SEARCH_SNAPSHOT_FORMAT, type SearchSnapshot } from './types.js';

export async function restore(s: LoopState): Promise<void> {
  const { store, log } = s.deps;
  s.spentBefore = (await store.getRun(s.runId)).secondsSpent;
  const snapshot = await store.latestSnapshot(s.runId);
  let since = 0;
  if (snapshot) {
    const state = snapshot.state as SearchSnapshot;
    if (state?.format !== SEARCH_SNAPSHOT_FORMAT) {
      throw new BlockqnnError(
        ErrorCode.IO_ERROR,
        `run ${s.runId}: the stored controller snapshot is not a ${SEARCH_SNAPSHOT_FORMAT} snapshot`,
      );
    }
    s.strategy = s.deps.restoreStrategy(state.strategy);
    since = state.candidates;
  } else {
    s.strategy = s.deps.createStrategy();
  }
  await loadKnown(s);
  s.recorded = since;
  for (const p of s.strategy.pending()) s.track(p, s.deps.candidates.materialize(p.key));
  // Replay: asks after the snapshot are a pure function of it; ask again and match the record.
  const later = await candidatesAfter(s, since);
  for (const expected of later) {
    for (;;) {
      const proposal = s.strategy.ask();
      const hash = s.deps.candidates.hashOf(proposal.key);
      if (s.handleDuplicate(proposal, hash)) continue;
      const m = s.deps.candidates.materialize(proposal.key);
      if (m.hash !== expected.hash) {
        throw new BlockqnnError(
          ErrorCode.INTERNAL,
          `run ${s.runId}: resume diverged at candidate ${expected.sequence}: the strategy proposed ${proposal.key}, the record says ${expected.nsc}`,
          {
            hint: 'the strategy is not deterministic for its snapshot; report this with the run database',
          },
        );
      }
      s.track(proposal, m);
      s.recorded++;
      break;
    }
  }
  if (snapshot || later.length)
    log(
      `run ${s.runId}: restored ${snapshot ? `snapshot at ${since} candidates` : 'a fresh strategy'}, replayed ${later.length} proposal(s), ${s.inFlight.size} in flight`,
    );
}

/** Every candidate of the run matching `query`, page by page along the store's cursor. */
async function* eachCandidate(s: LoopState, query: CandidateQuery): AsyncGenerator<Candidate> {
  let cursor: string | undefined;
  do {
    const page = await s.deps.store.listCandidates(s.runId, { ...query, limit: 1000, ...(cursor ? { cursor } : {}) });
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/** The run's results; with a pruner, its pruning board re-seeded from them (exact decisions after a crash or a Redis loss). */
async function loadKnown(s: LoopState): Promise<void> {
  const curves: BoardCurve[] = [];
  for await (const c of eachCandidate(s, { status: [...RESULT_STATUSES] })) {
    s.noteResult(c.hash, { status: c.status as KnownResult['status'], accuracy: c.accuracy, reward: c.reward, error: c.error }, c);
    if (s.pruned && c.curve && c.curve.length > 0)
      curves.push(
        boardCurve(
          c.hash,
          c.status,
          c.curve.map((p) => ({ valAccuracy: p.valAccuracy ?? null })),
        ),
      );
  }
  if (curves.length > 0) await s.deps.queue.seedPruningBoard(s.runId, curves);
}

async function candidatesAfter(s: LoopState, sequence: number): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for await (const c of eachCandidate(s, { sort: 'sequence', order: 'asc' })) if (c.sequence > sequence) out.push(c);
  return out;
}
