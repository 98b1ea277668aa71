/**
 * Issue #21 item 8 through the built CLI (`npm run build` first), on SQLite and
 * PostgreSQL: a candidate answered from the cross-run result cache was stored
 * with workerId 'cache' but fromCache=false and metrics NULL, so the table's
 * report column was missing for it. Now the cache keeps the metrics and the
 * answered row says fromCache=true and carries them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, onCleanup, readStore, uniquePrefix, REDIS } from '../e2e/harness.js';
import { FITNESS, REPORT, writeNb201Table } from '../helpers/nb201-table.js';
import { postgresBackend, sqliteBackend } from '../store/backends.js';

describe.each([sqliteBackend, postgresBackend])('#21 item 8: results from the result cache ($name)', (backend) => {
  it('are stored with fromCache=true, workerId cache and the metrics of the run that trained them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blockqnn-cache-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const table = join(dir, 'table.csv');
    writeNb201Table(table);
    const database = await backend.create();
    onCleanup(() => database.drop());
    const prefix = uniquePrefix('cache');
    const search = (workers: number) =>
      cli(
        [
          'search',
          '--space',
          'nasbench201',
          '--engine',
          'table',
          '--table',
          table,
          '--fitness',
          FITNESS,
          '--report',
          REPORT,
          '--budget',
          '3',
          '--seed',
          '7',
          '--strategy',
          'random',
          '--workers',
          String(workers),
          '--db',
          database.url,
          '--redis',
          REDIS,
          '--prefix',
          prefix,
          '--json',
        ],
        { timeoutMs: 90_000 },
      );

    const first = await search(1);
    expect(first.code, first.stderr).toBe(0);
    // The same task, seed and random strategy propose the same cells: all three are in the cache, so no worker is needed.
    const second = await search(0);
    expect(second.code, second.stderr).toBe(0);
    const [trained, answered] = [first, second].map((r) => (JSON.parse(r.stdout) as { run: { id: string } }).run.id);

    const store = await readStore(database.url);
    const rows = async (runId: string) => (await store.listCandidates(runId!, { limit: 10 })).items;
    const before = await rows(trained!);
    const after = await rows(answered!);
    expect(before.map((c) => c.status)).toEqual(['ok', 'ok', 'ok']);
    expect(before.map((c) => c.fromCache)).toEqual([false, false, false]);
    expect(after.map((c) => c.hash)).toEqual(before.map((c) => c.hash));
    expect(after.map((c) => [c.workerId, c.fromCache])).toEqual([
      ['cache', true],
      ['cache', true],
      ['cache', true],
    ]);
    // The table engine's extra numbers, report column included, as the training run stored them.
    for (const [i, c] of after.entries()) {
      expect(c.metrics).toEqual(before[i]!.metrics);
      expect(c.metrics?.report).toEqual(expect.any(Number));
      expect(c.accuracy).toBe(before[i]!.accuracy);
    }
  }, 180_000);
});
