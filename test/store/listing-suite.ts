/**
 * Conformance for the dashboard's candidate table: sorting, filtering,
 * cursor and offset paging, best candidates and counts by status, checked
 * against the same rows sorted in memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Candidate, type CandidateQuery, type CandidateSortKey, type Store } from '../../src/store/index.js';
import type { Backend, TestDatabase } from './backends.js';
import { candidate, newRun, okResult, rejection } from './fixtures.js';

const COUNT = 40;

/** Walks every page of `query` with cursors. */
async function walk(store: Store, runId: string, query: CandidateQuery): Promise<Candidate[]> {
  const all: Candidate[] = [];
  let cursor = query.cursor;
  for (let page = 0; page < 100; page++) {
    const result = await store.listCandidates(runId, { ...query, cursor });
    all.push(...result.items);
    if (result.nextCursor === null) return all;
    cursor = result.nextCursor;
  }
  throw new Error('paging did not end');
}

function expected(rows: Candidate[], sort: CandidateSortKey, order: 'asc' | 'desc'): number[] {
  const sign = order === 'asc' ? 1 : -1;
  return rows
    .filter((c) => sort === 'sequence' || sort === 'flops' || c[sort] !== null)
    .sort((a, b) => sign * ((sort === 'sequence' ? 0 : (a[sort] as number) - (b[sort] as number)) || a.sequence - b.sequence))
    .map((c) => c.sequence);
}

export function listingSuite(backend: Backend): void {
  let db: TestDatabase;
  let store: Store;
  let runId: string;
  let rows: Candidate[];
  beforeAll(async () => {
    db = await backend.create();
    store = await openStore(db.url);
    runId = (await store.createRun(newRun())).id;
    // Rewards repeat (ties must fall back to sequence); every 5th stays queued, every 7th fails.
    for (let i = 1; i <= COUNT; i++) {
      const { candidate: c } = await store.upsertQueuedCandidate(runId, candidate(i, { flops: 1000 - (i % 9) * 10 }));
      if (i % 5 === 0) continue;
      const result = i % 7 === 0 ? { status: 'failed' as const } : okResult(0.5 + (i % 6) / 20);
      await store.commitResult(runId, c.hash, result, { i });
    }
    rows = (await store.listCandidates(runId, { limit: 1000 })).items;
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('lists by sequence by default, with the total', async () => {
    const page = await store.listCandidates(runId, { limit: 10 });
    expect(page.items.map((c) => c.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(page.total).toBe(COUNT);
    expect(page.nextCursor).not.toBeNull();
    expect(rows).toHaveLength(COUNT);
  });

  describe.each([
    ['sequence', 'asc'],
    ['sequence', 'desc'],
    ['reward', 'desc'],
    ['reward', 'asc'],
    ['accuracy', 'desc'],
    ['flops', 'asc'],
    ['flops', 'desc'],
  ] as const)('sort by %s %s', (sort, order) => {
    it('walks every row exactly once in order with cursors', async () => {
      const seen = await walk(store, runId, { sort, order, limit: 7 });
      expect(seen.map((c) => c.sequence)).toEqual(expected(rows, sort, order));
    });

    it('agrees with offset paging', async () => {
      const first = await store.listCandidates(runId, { sort, order, limit: 6 });
      const second = await store.listCandidates(runId, { sort, order, limit: 6, offset: 6 });
      expect([...first.items, ...second.items].map((c) => c.sequence)).toEqual(expected(rows, sort, order).slice(0, 12));
      expect(first.total).toBe(expected(rows, sort, order).length);
    });
  });

  it('filters by one status or several', async () => {
    const queued = await walk(store, runId, { status: 'queued', limit: 3 });
    expect(queued.map((c) => c.sequence)).toEqual(rows.filter((c) => c.status === 'queued').map((c) => c.sequence));
    const some = await store.listCandidates(runId, { status: ['failed', 'queued'], sort: 'sequence', order: 'desc', limit: 1000 });
    expect(some.items.map((c) => c.sequence)).toEqual(
      rows
        .filter((c) => c.status !== 'ok')
        .map((c) => c.sequence)
        .reverse(),
    );
    expect(some.total).toBe(some.items.length);
    const okByReward = await walk(store, runId, { status: 'ok', sort: 'reward', order: 'desc', limit: 4 });
    expect(okByReward.map((c) => c.sequence)).toEqual(
      expected(
        rows.filter((c) => c.status === 'ok'),
        'reward',
        'desc',
      ),
    );
  });

  it('keeps a cursor valid while candidates are added', async () => {
    const other = (await store.createRun(newRun())).id;
    for (let i = 1; i <= 5; i++) await store.upsertQueuedCandidate(other, candidate(i));
    const first = await store.listCandidates(other, { limit: 3 });
    for (let i = 6; i <= 8; i++) await store.upsertQueuedCandidate(other, candidate(i));
    const rest = await walk(store, other, { cursor: first.nextCursor!, limit: 3 });
    expect([...first.items, ...rest].map((c) => c.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('rejects a cursor made for another sort, a forged one and bad queries', async () => {
    const page = await store.listCandidates(runId, { sort: 'reward', order: 'desc', limit: 2 });
    await rejection(store.listCandidates(runId, { sort: 'accuracy', order: 'desc', cursor: page.nextCursor! }), 'INVALID_INPUT');
    await rejection(store.listCandidates(runId, { cursor: 'not-a-cursor' }), 'INVALID_INPUT');
    await rejection(
      store.listCandidates(runId, { cursor: Buffer.from('{"k":"sequence","o":"asc","v":null,"s":"1; DROP"}').toString('base64url') }),
      'INVALID_INPUT',
    );
    await rejection(store.listCandidates(runId, { limit: 0 }), 'INVALID_INPUT');
    await rejection(store.listCandidates(runId, { sort: 'params' as never }), 'INVALID_INPUT');
  });

  it('returns the best candidates and counts by status', async () => {
    const best = await store.bestCandidates(runId, { limit: 3 });
    expect(best.map((c) => c.sequence)).toEqual(expected(rows, 'reward', 'desc').slice(0, 3));
    const byAccuracy = await store.bestCandidates(runId, { by: 'accuracy', limit: 1 });
    expect(byAccuracy[0]?.accuracy).toBe(Math.max(...rows.map((c) => c.accuracy ?? 0)));
    const counts = await store.countByStatus(runId);
    expect(counts).toEqual({
      queued: rows.filter((c) => c.status === 'queued').length,
      running: 0,
      ok: rows.filter((c) => c.status === 'ok').length,
      diverged: 0,
      too_large: 0,
      failed: rows.filter((c) => c.status === 'failed').length,
      pruned: 0,
      cancelled: 0,
    });
    const run = await store.getRun(runId);
    expect(run.best?.reward).toBe(best[0]?.reward);
    await rejection(store.countByStatus('no-such-run'), 'NOT_FOUND');
    await rejection(store.listCandidates('no-such-run'), 'NOT_FOUND');
  });
}
