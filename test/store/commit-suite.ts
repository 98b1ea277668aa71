/**
 * Conformance for the result path: commitResult is atomic with its snapshot,
 * idempotent, keeps the best and the latest snapshots, and feeds the
 * cross-run cache.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import type { Backend, TestDatabase } from './backends.js';
import { newRun, okResult, queue, rejection } from './fixtures.js';

export function commitSuite(backend: Backend): void {
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await backend.create();
    store = await openStore(db.url, { keepSnapshots: 2 });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('commits a result with its snapshot, counters and best candidate', async () => {
    const run = await store.createRun(newRun());
    const [a, b] = await queue(store, run.id, 2);
    expect(await store.latestSnapshot(run.id)).toBeNull();
    const finishedAt = new Date('2026-03-04T05:06:07.089Z');
    expect(await store.commitResult(run.id, a!, okResult(0.9, { finishedAt }), { q: { '1': 0.5 }, step: 1 })).toBe('committed');
    const committed = await store.getCandidate(run.id, a!);
    expect(committed).toMatchObject({
      status: 'ok',
      accuracy: 0.9,
      workerId: 'host-a:1234:gpu0',
      engine: 'table',
      attempts: 1,
      finishedAt,
      fromCache: false,
    });
    expect(committed?.reward).toBeCloseTo(0.8, 12);
    expect(committed?.curve).toEqual(okResult(0.9).curve);
    const snapshot = await store.latestSnapshot(run.id);
    expect(snapshot).toMatchObject({ runId: run.id, sequence: 1, resultCount: 1, state: { q: { '1': 0.5 }, step: 1 } });

    expect(await store.commitResult(run.id, b!, okResult(0.5), { step: 2 })).toBe('committed');
    const after = await store.getRun(run.id);
    expect(after).toMatchObject({ resultCount: 2, candidateCount: 2 });
    expect(after.best).toEqual({ candidateId: committed!.id, reward: committed!.reward });
    expect((await store.latestSnapshot(run.id))?.state).toEqual({ step: 2 });
  });

  it('keeps an image-to-image sample grid with the result, on both commit paths, and reads it back on its own', async () => {
    const run = await store.createRun(newRun());
    const [one, batch, none] = await queue(store, run.id, 3);
    const grid = { pngBase64: 'iVBORw0KGgo=', rows: ['input', 'output', 'target'], columns: 8, tile: 16 };
    expect(await store.commitResult(run.id, one!, okResult(0.4, { samples: grid }), { step: 1 })).toBe('committed');
    expect(
      await store.commitResults(
        run.id,
        [
          { hash: batch!, result: okResult(0.5, { samples: { ...grid, columns: 4 } }) },
          { hash: none!, result: okResult(0.6) },
        ],
        { step: 2 },
      ),
    ).toEqual(['committed', 'committed']);
    expect(await store.candidateSamples(run.id, one!)).toEqual(grid);
    expect(await store.candidateSamples(run.id, batch!)).toEqual({ ...grid, columns: 4 });
    expect(await store.candidateSamples(run.id, none!)).toBeNull();
    expect(await store.candidateSamples(run.id, 'f'.repeat(32))).toBeNull();
    const invalid = await rejection(
      store.commitResult(run.id, none!, okResult(0.6, { samples: { ...grid, pngBase64: 'not base64!' } }), { step: 3 }),
      'INVALID_INPUT',
    );
    expect(invalid.message).toMatch(/base64/);
  });

  it('returns duplicate for a second commit and changes nothing', async () => {
    const run = await store.createRun(newRun());
    const [hash] = await queue(store, run.id, 1);
    expect(await store.commitResult(run.id, hash!, okResult(0.7), { step: 1 })).toBe('committed');
    const before = {
      run: await store.getRun(run.id),
      candidate: await store.getCandidate(run.id, hash!),
      snapshot: await store.latestSnapshot(run.id),
    };
    expect(await store.commitResult(run.id, hash!, okResult(0.99, { workerId: 'other' }), { step: 99 })).toBe('duplicate');
    expect(await store.getRun(run.id)).toEqual(before.run);
    expect(await store.getCandidate(run.id, hash!)).toEqual(before.candidate);
    expect(await store.latestSnapshot(run.id)).toEqual(before.snapshot);
  });

  it('commits a batch with one snapshot, reporting each outcome in order', async () => {
    const run = await store.createRun(newRun());
    const [a, b, c, d] = await queue(store, run.id, 4);
    await store.commitResult(run.id, d!, okResult(0.3), { step: 1 });
    const outcomes = await store.commitResults(
      run.id,
      [
        { hash: a!, result: okResult(0.6) },
        { hash: b!, result: okResult(0.9) },
        { hash: c!, result: { status: 'failed', error: 'out of time' } },
        { hash: d!, result: okResult(0.99) },
        { hash: a!, result: okResult(0.1) },
      ],
      { step: 2 },
    );
    expect(outcomes).toEqual(['committed', 'committed', 'committed', 'duplicate', 'duplicate']);
    const after = await store.getRun(run.id);
    expect(after.resultCount).toBe(4);
    expect(after.resultsByStatus).toEqual({ ok: 3, diverged: 0, too_large: 0, failed: 1, pruned: 0 });
    expect(after.best?.candidateId).toBe((await store.getCandidate(run.id, b!))?.id);
    expect(await store.latestSnapshot(run.id)).toMatchObject({ sequence: 2, resultCount: 4, state: { step: 2 } });
    expect(await store.countByStatus(run.id)).toMatchObject({ ok: 3, failed: 1, queued: 0 });
    expect((await store.getCandidate(run.id, a!))?.accuracy).toBe(0.6);

    // Only duplicates: nothing written, not even the snapshot.
    expect(await store.commitResults(run.id, [{ hash: a!, result: okResult(0.2) }], { step: 3 })).toEqual(['duplicate']);
    expect((await store.latestSnapshot(run.id))?.sequence).toBe(2);
  });

  it('commits overlapping batches in opposite orders at once, each result exactly once', async () => {
    const run = await store.createRun(newRun());
    const hashes = await queue(store, run.id, 12);
    const forward = hashes.map((hash) => ({ hash, result: okResult(0.5) }));
    const batches = await Promise.all(
      [forward, [...forward].reverse(), forward.slice(3, 9)].map((items, i) => store.commitResults(run.id, items, { batch: i })),
    );
    const committed = batches.flatMap((outcomes, b) => outcomes.map((o, i) => [o, b, i] as const)).filter(([o]) => o === 'committed');
    expect(committed).toHaveLength(12);
    expect((await store.getRun(run.id)).resultCount).toBe(12);
  });

  it('fails a whole batch that names a candidate never queued', async () => {
    const run = await store.createRun(newRun());
    const [a] = await queue(store, run.id, 1);
    const e = await rejection(
      store.commitResults(
        run.id,
        [
          { hash: a!, result: okResult(0.5) },
          { hash: 'ffffffffffffffff', result: okResult(0.5) },
        ],
        { step: 1 },
      ),
      'NOT_FOUND',
    );
    expect(e.message).toContain('ffffffffffffffff');
    expect(await store.getCandidate(run.id, a!)).toMatchObject({ status: 'queued' });
    expect(await store.latestSnapshot(run.id)).toBeNull();
    await rejection(store.commitResults(run.id, [], {}), 'INVALID_INPUT');
  });

  it('commits exactly one of many concurrent commits of the same result', async () => {
    const run = await store.createRun(newRun());
    const [hash] = await queue(store, run.id, 1);
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) => store.commitResult(run.id, hash!, okResult(0.5 + i / 100), { writer: i })),
    );
    expect(outcomes.filter((o) => o === 'committed')).toHaveLength(1);
    const run2 = await store.getRun(run.id);
    expect(run2.resultCount).toBe(1);
    const winner = outcomes.indexOf('committed');
    expect((await store.latestSnapshot(run.id))?.state).toEqual({ writer: winner });
    expect((await store.getCandidate(run.id, hash!))?.accuracy).toBe(0.5 + winner / 100);
  });

  it('rolls back the result when the snapshot cannot be written (atomicity)', async () => {
    const run = await store.createRun(newRun());
    const [hash] = await queue(store, run.id, 1);
    // Plant the snapshot row the commit is about to write: its insert violates unique (runId, sequence).
    await db.sql(
      `INSERT INTO "ControllerSnapshot" ("runId", "sequence", "resultCount", "state", "createdAt") VALUES (?, 1, 0, '{}', CURRENT_TIMESTAMP)`,
      [run.id],
    );
    const failure = await rejection(store.commitResult(run.id, hash!, okResult(0.95), { step: 1 }), 'INTERNAL');
    expect(failure.message).toContain(`${run.id}/${hash}`);
    expect(await store.getCandidate(run.id, hash!)).toMatchObject({ status: 'queued', accuracy: null, reward: null, finishedAt: null });
    expect(await store.getRun(run.id)).toMatchObject({ resultCount: 0, best: null });
    expect(await store.cachedResult(run.taskKey, hash!)).toBeNull();
    expect((await store.latestSnapshot(run.id))?.state).toEqual({});

    await db.sql(`DELETE FROM "ControllerSnapshot" WHERE "runId" = ?`, [run.id]);
    expect(await store.commitResult(run.id, hash!, okResult(0.95), { step: 1 })).toBe('committed');
    expect(await store.cachedResult(run.taskKey, hash!)).toMatchObject({ accuracy: 0.95 });
  });

  it('keeps writes made beside a transaction that rolls back', async () => {
    // On SQLite every query of a process shares one connection: the store must not let
    // other calls run inside an open transaction, or its rollback would take them along.
    const run = await store.createRun(newRun());
    const hashes = await queue(store, run.id, 40);
    await db.sql(
      `INSERT INTO "ControllerSnapshot" ("runId", "sequence", "resultCount", "state", "createdAt") VALUES (?, 1, 0, '{}', CURRENT_TIMESTAMP)`,
      [run.id],
    );
    // A long transaction (30 claims, then the planted snapshot makes it fail) ...
    const failing = store
      .commitResults(
        run.id,
        hashes.slice(0, 30).map((hash) => ({ hash, result: okResult(0.9) })),
        {},
      )
      .catch((e: { code: string }) => e.code);
    // ... and single writes issued while it runs.
    const beside: Promise<unknown>[] = [];
    for (const [i, hash] of hashes.slice(30).entries()) {
      await new Promise((resolve) => setImmediate(resolve));
      beside.push(store.updateCandidate(run.id, hash, { status: 'running', workerId: `w${i}` }));
    }
    expect(await failing).toBe('INTERNAL');
    await Promise.all(beside);
    const page = await store.listCandidates(run.id, { status: 'running', limit: 100 });
    expect(page.items.map((c) => c.workerId)).toEqual(Array.from({ length: 10 }, (_, i) => `w${i}`));
    expect(await store.countByStatus(run.id)).toMatchObject({ queued: 30, running: 10, ok: 0 });
  });

  it('writes nothing for a result it refuses', async () => {
    const run = await store.createRun(newRun());
    const [hash] = await queue(store, run.id, 1);
    await rejection(store.commitResult(run.id, hash!, okResult(0.9), { big: 1n }), 'INVALID_INPUT');
    await rejection(store.commitResult(run.id, hash!, okResult(0.9), undefined), 'INVALID_INPUT');
    await rejection(store.commitResult(run.id, hash!, okResult(Number.POSITIVE_INFINITY), {}), 'INVALID_INPUT');
    await rejection(store.commitResult(run.id, hash!, { ...okResult(0.9), status: 'great' as never }, {}), 'INVALID_INPUT');
    await rejection(store.commitResult(run.id, 'ffffffffffffffff', okResult(0.9), {}), 'NOT_FOUND');
    expect(await store.getCandidate(run.id, hash!)).toMatchObject({ status: 'queued' });
    expect(await store.latestSnapshot(run.id)).toBeNull();
  });

  it('keeps only the newest snapshots', async () => {
    const run = await store.createRun(newRun());
    const hashes = await queue(store, run.id, 5);
    for (const [i, hash] of hashes.entries()) await store.commitResult(run.id, hash, okResult(0.5), { step: i + 1 });
    const rows = await db.sql(`SELECT "sequence" FROM "ControllerSnapshot" WHERE "runId" = ? ORDER BY "sequence"`, [run.id]);
    expect(rows.map((r) => Number(r.sequence))).toEqual([4, 5]);
    expect(await store.latestSnapshot(run.id)).toMatchObject({ sequence: 5, resultCount: 5, state: { step: 5 } });
  });

  it('accepts a result for a cancelled candidate and records failures without a reward', async () => {
    const run = await store.createRun(newRun());
    const [cancelled, failed] = await queue(store, run.id, 2);
    await store.updateCandidate(run.id, cancelled!, { status: 'cancelled' });
    expect(await store.commitResult(run.id, cancelled!, okResult(0.6), {})).toBe('committed');
    const failure = { status: 'failed' as const, error: 'CUDA error: device-side assert', attempts: 3 };
    expect(await store.commitResult(run.id, failed!, failure, {})).toBe('committed');
    expect(await store.getCandidate(run.id, failed!)).toMatchObject({
      status: 'failed',
      accuracy: null,
      reward: null,
      curve: null,
      error: failure.error,
      attempts: 3,
    });
    expect(await store.countByStatus(run.id)).toMatchObject({ ok: 1, failed: 1, queued: 0 });
  });

  it('shares cacheable results across runs with the same task key', async () => {
    const first = await store.createRun(newRun());
    const second = await store.createRun(newRun({ taskKey: first.taskKey }));
    const elsewhere = await store.createRun(newRun());
    const [ok, diverged, tooLarge, failed] = await queue(store, first.id, 4);
    await store.commitResult(first.id, ok!, okResult(0.88), {});
    await store.commitResult(first.id, diverged!, { status: 'diverged', accuracy: null, curve: [{ epoch: 1, loss: null }] }, {});
    await store.commitResult(first.id, tooLarge!, { status: 'too_large' }, {});
    await store.commitResult(first.id, failed!, { status: 'failed' }, {});

    const hit = await store.cachedResult(second.taskKey, ok!);
    expect(hit).toMatchObject({
      taskKey: first.taskKey,
      hash: ok,
      status: 'ok',
      accuracy: 0.88,
      sourceRunId: first.id,
      engine: 'table',
      trainSeconds: 12.5,
    });
    expect(hit?.curve).toEqual(okResult(0.88).curve);
    expect(hit?.createdAt).toBeInstanceOf(Date);
    expect(await store.cachedResult(second.taskKey, diverged!)).toMatchObject({ status: 'diverged', curve: [{ epoch: 1, loss: null }] });
    expect(await store.cachedResult(second.taskKey, tooLarge!)).toBeNull();
    expect(await store.cachedResult(second.taskKey, failed!)).toBeNull();
    expect(await store.cachedResult(elsewhere.taskKey, ok!)).toBeNull();

    // The second run reuses it; the first result stays the cached one.
    await queue(store, second.id, 1);
    expect(await store.commitResult(second.id, ok!, { ...okResult(0.88), fromCache: true }, {})).toBe('committed');
    expect(await store.getCandidate(second.id, ok!)).toMatchObject({ fromCache: true, accuracy: 0.88 });
    const third = await store.createRun(newRun({ taskKey: first.taskKey }));
    await queue(store, third.id, 1);
    expect(await store.commitResult(third.id, ok!, okResult(0.1), {})).toBe('committed');
    expect(await store.cachedResult(first.taskKey, ok!)).toMatchObject({ sourceRunId: first.id, accuracy: 0.88 });
  });
}
