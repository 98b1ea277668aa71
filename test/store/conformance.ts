/**
 * The store conformance suite: what every backend must do, registered once per
 * backend by store.test.ts. Each test makes its own runs (and task keys), so
 * the tests share one database per backend and stay independent.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import type { Backend, TestDatabase } from './backends.js';
import { candidate, newRun, okResult, queue, rejection } from './fixtures.js';

export function runsAndCandidatesSuite(backend: Backend): void {
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await backend.create();
    store = await openStore(db.url);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('creates, reads, lists and updates runs', async () => {
    expect(store.provider).toBe(backend.name);
    expect(store.url).toBe(db.url.startsWith('file:') ? db.url : db.url.replace(/:[^:@/]*@/, ':***@'));
    const run = await store.createRun(newRun({ seed: 2 ** 32 - 1, budget: { candidates: 100 } }));
    expect(run.id).toMatch(/^[0-9a-z]{12}$/);
    expect(run).toMatchObject({ status: 'pending', seed: 2 ** 32 - 1, candidateCount: 0, resultCount: 0, best: null });
    expect(run.budget).toEqual({ candidates: 100, seconds: null });
    expect(await store.getRun(run.id)).toEqual(run);

    const named = await store.createRun(newRun({ id: `named-${backend.name}`, status: 'running' }));
    expect(named.id).toBe(`named-${backend.name}`);
    await rejection(store.createRun(newRun({ id: named.id })), 'INVALID_INPUT');
    await rejection(store.getRun('no-such-run'), 'NOT_FOUND');
    await rejection(store.createRun(newRun({ seed: -1 })), 'INVALID_INPUT');

    const listed = await store.listRuns({ limit: 1000 });
    expect(listed.findIndex((r) => r.id === named.id)).toBeLessThan(listed.findIndex((r) => r.id === run.id));
    expect((await store.listRuns({ status: 'running', limit: 1000 })).map((r) => r.id)).toContain(named.id);
    expect((await store.listRuns({ status: 'running', limit: 1000 })).map((r) => r.id)).not.toContain(run.id);

    const startedAt = new Date('2026-01-02T03:04:05.678Z');
    const updated = await store.updateRun(run.id, { status: 'running', startedAt, controllerId: 'host:42', budget: { seconds: 3600 } });
    expect(updated).toMatchObject({ status: 'running', startedAt, controllerId: 'host:42', budget: { candidates: 100, seconds: 3600 } });
    await rejection(store.updateRun('no-such-run', { status: 'stopped' }), 'NOT_FOUND');
    await rejection(store.updateRun(run.id, { status: 'exploded' as never }), 'INVALID_INPUT');
  });

  it('updates a run only from the expected status when asked (compare-and-set)', async () => {
    const run = await store.createRun(newRun({ status: 'stopped' }));
    const claims = await Promise.allSettled(
      [1, 2, 3].map(() => store.updateRun(run.id, { status: 'running' }, { ifStatus: ['stopped', 'paused'] })),
    );
    expect(claims.filter((c) => c.status === 'fulfilled')).toHaveLength(1);
    const refused = await rejection(store.updateRun(run.id, { status: 'running' }, { ifStatus: ['stopped'] }), 'INVALID_INPUT');
    expect(refused.message).toContain('is running');
    await rejection(store.updateRun('no-such-run', { status: 'running' }, { ifStatus: ['stopped'] }), 'NOT_FOUND');
  });

  it('queues a candidate once per (run, hash) with gap-free sequence numbers', async () => {
    const run = await store.createRun(newRun());
    const first = await store.upsertQueuedCandidate(run.id, candidate(1));
    expect(first.created).toBe(true);
    expect(first.candidate).toMatchObject({ runId: run.id, sequence: 1, status: 'queued', attempts: 0, accuracy: null, fromCache: false });
    const again = await store.upsertQueuedCandidate(run.id, candidate(1, { nsc: 'something else' }));
    expect(again.created).toBe(false);
    expect(again.candidate).toEqual(first.candidate);

    // Concurrent: the same hash many times and distinct hashes at once.
    const same = await Promise.all(Array.from({ length: 8 }, () => store.upsertQueuedCandidate(run.id, candidate(2))));
    expect(same.filter((r) => r.created)).toHaveLength(1);
    const distinct = await Promise.all(Array.from({ length: 20 }, (_, i) => store.upsertQueuedCandidate(run.id, candidate(100 + i))));
    const sequences = [first, same[0]!, ...distinct].map((r) => r.candidate.sequence).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    expect((await store.getRun(run.id)).candidateCount).toBe(22);

    const other = await store.createRun(newRun());
    expect((await store.upsertQueuedCandidate(other.id, candidate(1))).candidate.sequence).toBe(1);
    await rejection(store.upsertQueuedCandidate('no-such-run', candidate(1)), 'NOT_FOUND');
    await rejection(store.upsertQueuedCandidate(run.id, candidate(3, { hash: 'has spaces' })), 'INVALID_INPUT');
    await rejection(store.upsertQueuedCandidate(run.id, candidate(3, { flops: Number.NaN })), 'INVALID_INPUT');
  });

  it('queues a batch in order, once per hash, in one transaction', async () => {
    const run = await store.createRun(newRun());
    await queue(store, run.id, 1, 3);
    const batch = [candidate(1), candidate(2), candidate(3), candidate(1), candidate(4)];
    const results = await store.upsertQueuedCandidates(run.id, batch);
    expect(results.map((r) => r.candidate.hash)).toEqual(batch.map((c) => c.hash));
    expect(results.map((r) => r.created)).toEqual([true, true, false, false, true]);
    expect(results.map((r) => r.candidate.sequence)).toEqual([2, 3, 1, 2, 4]);
    expect(await store.upsertQueuedCandidates(run.id, [])).toEqual([]);

    // Overlapping batches at once: every hash created exactly once, sequences without gaps.
    const overlapping = await Promise.all(
      [0, 1, 2].map((k) =>
        store.upsertQueuedCandidates(
          run.id,
          Array.from({ length: 10 }, (_, i) => candidate(10 + k * 5 + i)),
        ),
      ),
    );
    const created = overlapping.flat().filter((r) => r.created);
    expect(new Set(created.map((r) => r.candidate.hash)).size).toBe(20);
    expect(created.map((r) => r.candidate.sequence).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 5));
    expect((await store.getRun(run.id)).candidateCount).toBe(24);

    await rejection(
      store.upsertQueuedCandidates(
        run.id,
        Array.from({ length: 1001 }, (_, i) => candidate(1000 + i)),
      ),
      'INVALID_INPUT',
    );
    await rejection(store.upsertQueuedCandidates('no-such-run', [candidate(1)]), 'NOT_FOUND');
  });

  it('enforces unique (runId, hash) in the database itself', async () => {
    const run = await store.createRun(newRun());
    await queue(store, run.id, 1);
    const insert = `INSERT INTO "Candidate" ("runId", "hash", "sequence", "nsc", "flops", "params", "density", "status", "attempts", "fromCache", "createdAt")
      VALUES (?, ?, ?, 'x', 1, 1, 1, 'queued', 0, false, CURRENT_TIMESTAMP)`;
    await expect(db.sql(insert, [run.id, candidate(1).hash, 99])).rejects.toThrow(/unique|duplicate/i);
  });

  it('returns a candidate with its IR, and null for an unknown one', async () => {
    const run = await store.createRun(newRun());
    const [hash] = await queue(store, run.id, 1);
    const detail = await store.getCandidate(run.id, hash!);
    expect(detail?.ir).toEqual(candidate(1).ir);
    expect(detail?.nsc).toBe(candidate(1).nsc);
    expect(await store.getCandidate(run.id, 'ffffffffffffffff')).toBeNull();
  });

  it('records bookkeeping before a result and ignores it after', async () => {
    const run = await store.createRun(newRun());
    const [hash] = await queue(store, run.id, 1);
    const startedAt = new Date('2026-05-06T07:08:09.010Z');
    const running = await store.updateCandidate(run.id, hash!, { status: 'running', workerId: 'w1', attempts: 2, startedAt });
    expect(running).toMatchObject({ status: 'running', workerId: 'w1', attempts: 2, startedAt });
    expect(await store.commitResult(run.id, hash!, okResult(0.8, { workerId: undefined, attempts: undefined }), { step: 1 })).toBe(
      'committed',
    );
    const late = await store.updateCandidate(run.id, hash!, { status: 'running', workerId: 'w2' });
    expect(late).toMatchObject({ status: 'ok', workerId: 'w1', attempts: 2 });
    await rejection(store.updateCandidate(run.id, 'ffffffffffffffff', { status: 'cancelled' }), 'NOT_FOUND');
    await rejection(store.updateCandidate(run.id, hash!, { status: 'ok' as never }), 'INVALID_INPUT');
  });

  it('appends and lists events in order, continuing after an id', async () => {
    const run = await store.createRun(newRun());
    const a = await store.appendEvent(run.id, 'run.started', { workers: 2 });
    const b = await store.appendEvent(run.id, 'worker.lost', { worker: 'w1' });
    const c = await store.appendEvent(run.id, 'run.stopped');
    expect(a).toMatchObject({ runId: run.id, kind: 'run.started', payload: { workers: 2 } });
    expect(a.time).toBeInstanceOf(Date);
    expect((await store.listEvents(run.id)).map((e) => e.id)).toEqual([a.id, b.id, c.id]);
    expect((await store.listEvents(run.id, { afterId: a.id, limit: 1 })).map((e) => e.kind)).toEqual(['worker.lost']);
    await rejection(store.appendEvent('no-such-run', 'run.started'), 'NOT_FOUND');
    await rejection(store.appendEvent(run.id, 'Bad Kind!'), 'INVALID_INPUT');
  });

  it('reports a corrupted row with the table, row and field', async () => {
    const run = await store.createRun(newRun());
    const [hash] = await queue(store, run.id, 2);
    await db.sql(`UPDATE "Candidate" SET "curve" = ? WHERE "runId" = ? AND "hash" = ?`, ['{not json', run.id, hash]);
    const curve = await rejection(store.listCandidates(run.id), 'IO_ERROR');
    expect(curve.message).toContain(`Candidate ${run.id}/${hash}.curve`);
    await db.sql(`UPDATE "Candidate" SET "curve" = NULL, "status" = ? WHERE "runId" = ? AND "hash" = ?`, ['exploded', run.id, hash]);
    expect((await rejection(store.listCandidates(run.id), 'IO_ERROR')).message).toContain('.status');
    await db.sql(`UPDATE "Candidate" SET "status" = 'queued', "ir" = ? WHERE "runId" = ? AND "hash" = ?`, [
      '{"format":"blockqnn-ir"}',
      run.id,
      hash,
    ]);
    expect((await rejection(store.getCandidate(run.id, hash!), 'IO_ERROR')).message).toContain('.ir');
    await db.sql(`UPDATE "Run" SET "config" = ? WHERE "id" = ?`, ['[1,2]', run.id]);
    expect((await rejection(store.getRun(run.id), 'IO_ERROR')).message).toContain(`Run ${run.id}.config`);
  });

  it('refuses calls after close', async () => {
    const other = await openStore(db.url);
    await other.close();
    await other.close();
    await rejection(other.listRuns(), 'INTERNAL');
  });
}
