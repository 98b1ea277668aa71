/**
 * Baseline rows in the store, on a real SQLite file and a real PostgreSQL
 * database: queued once with negative sequences, committed without touching
 * the run's counters, best candidate or snapshots, left out of the search's
 * reads, and extra engine metrics kept on both commit paths.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Store, openStore } from '../../src/store/index.js';
import { BACKENDS, type TestDatabase } from './backends.js';
import { candidate, newRun, okResult } from './fixtures.js';

const baseline = (i: number, name: string) => ({ ...candidate(1000 + i), nsc: name, baseline: name });

for (const backend of BACKENDS) {
  describe(`baseline rows on ${backend.name}`, () => {
    let db: TestDatabase | undefined;
    let store: Store | undefined;
    afterEach(async () => {
      await store?.close();
      await db?.drop();
      store = undefined;
      db = undefined;
    });

    async function open(): Promise<Store> {
      db = await backend.create();
      store = await openStore(db.url);
      return store;
    }

    it('queues baselines once, beside the search, and commits them outside its bookkeeping', async () => {
      const s = await open();
      const run = await s.createRun(newRun());
      await s.upsertQueuedCandidates(run.id, [candidate(1), candidate(2)]);
      const first = await s.upsertQueuedBaselines(run.id, [baseline(1, 'resnet-20-cifar'), baseline(2, 'blockqnn-resnet-block')]);
      expect(first.map((r) => [r.candidate.sequence, r.candidate.baseline, r.created])).toEqual([
        [-1, 'resnet-20-cifar', true],
        [-2, 'blockqnn-resnet-block', true],
      ]);
      // Again (a resume) plus one more: the known ones are found, the new one continues the negative sequence.
      const again = await s.upsertQueuedBaselines(run.id, [baseline(1, 'resnet-20-cifar'), baseline(3, 'dla-34-cifar')]);
      expect(again.map((r) => [r.candidate.sequence, r.created])).toEqual([
        [-1, false],
        [-3, true],
      ]);
      await s.upsertQueuedCandidates(run.id, [candidate(3)]);
      expect((await s.getRun(run.id)).candidateCount).toBe(3);

      // The search's reads see only the search.
      const page = await s.listCandidates(run.id, { limit: 100 });
      expect(page.items.map((c) => c.sequence)).toEqual([1, 2, 3]);
      expect(page.total).toBe(3);
      expect((await s.countByStatus(run.id)).queued).toBe(3);

      const hashes = first.map((r) => r.candidate.hash);
      expect(
        await s.commitBaselineResults(run.id, [
          { hash: hashes[0]!, result: okResult(0.9, { reward: 5, metrics: { robustAccuracy: 0.4 } }) },
        ]),
      ).toEqual(['committed']);
      expect(await s.commitBaselineResults(run.id, [{ hash: hashes[0]!, result: okResult(0.1) }])).toEqual(['duplicate']);
      const after = await s.getRun(run.id);
      expect(after).toMatchObject({ resultCount: 0, best: null, candidateCount: 3 });
      expect(await s.latestSnapshot(run.id)).toBeNull();
      expect(await s.bestCandidates(run.id)).toEqual([]);

      // A searched result commits with its snapshot and is the run's best, even below the baseline's reward.
      const searched = page.items[0]!.hash;
      await s.commitResults(run.id, [{ hash: searched, result: okResult(0.5, { metrics: { c10_test_200ep: 93.1 } }) }], { n: 1 });
      expect((await s.getRun(run.id)).best!.candidateId).toBe(page.items[0]!.id);
      expect((await s.getCandidate(run.id, searched))!.metrics).toEqual({ c10_test_200ep: 93.1 });

      const rows = await s.listBaselines(run.id);
      expect(rows.map((r) => [r.baseline, r.sequence, r.status])).toEqual([
        ['resnet-20-cifar', -1, 'ok'],
        ['blockqnn-resnet-block', -2, 'queued'],
        ['dla-34-cifar', -3, 'queued'],
      ]);
      expect(rows[0]).toMatchObject({ accuracy: 0.9, reward: 5, metrics: { robustAccuracy: 0.4 } });
      // Cached under the run's task key like any result.
      expect((await s.cachedResult(after.taskKey, hashes[0]!))!.accuracy).toBe(0.9);
    });

    it('keeps the two commit paths apart and checks its input', async () => {
      const s = await open();
      const run = await s.createRun(newRun());
      const searched = (await s.upsertQueuedCandidate(run.id, candidate(1))).candidate;
      const base = (await s.upsertQueuedBaselines(run.id, [baseline(1, 'resnet-20-cifar')]))[0]!.candidate;
      // A search result never lands on a baseline row, nor a baseline's on a searched candidate.
      expect(await s.commitResults(run.id, [{ hash: base.hash, result: okResult(0.5) }], {})).toEqual(['duplicate']);
      await expect(s.commitBaselineResults(run.id, [{ hash: searched.hash, result: okResult(0.5) }])).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect((await s.listBaselines(run.id))[0]!.status).toBe('queued');
      await expect(s.upsertQueuedBaselines(run.id, [{ ...candidate(1), baseline: 'resnet-20-cifar' }])).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        message: expect.stringContaining('searched candidate'),
      });
      await expect(s.upsertQueuedBaselines(run.id, [{ ...candidate(9), baseline: 'Bad Name' }])).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
      await expect(s.listBaselines('no-such-run')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(s.upsertQueuedBaselines('no-such-run', [baseline(1, 'x')])).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await s.listBaselines((await s.createRun(newRun())).id)).toEqual([]);
    });
  });
}
