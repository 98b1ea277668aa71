/**
 * Issue #21 item 10 (the rest) through the built CLI (`npm run build` first):
 * - a single Ctrl-C stopped the run and exited 0; a run stopped by a signal now
 *   exits 130 (SIGINT; 143 for SIGTERM), as README says;
 * - `resume` of a finished run started its worker slots before refusing; now it
 *   is refused before any slot starts;
 * - Candidate.startedAt was never filled; now each trained candidate has the
 *   time its worker took the job (SQLite and PostgreSQL).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REDIS, cli, onCleanup, readStore, registry, runIdOf, startCli, tempDb, uniquePrefix } from '../e2e/harness.js';
import { FITNESS, writeNb201Table } from '../helpers/nb201-table.js';
import { postgresBackend, sqliteBackend } from '../store/backends.js';

function tableArgs(db: string, prefix: string, o: { budget: number; workers: number; delayMs?: number }): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'blockqnn-ends-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  writeNb201Table(join(dir, 'table.csv'));
  return [
    'search',
    '--space',
    'nasbench201',
    '--engine',
    'table',
    '--table',
    join(dir, 'table.csv'),
    '--fitness',
    FITNESS,
    '--strategy',
    'random',
    '--budget',
    String(o.budget),
    '--delay-ms',
    String(o.delayMs ?? 0),
    '--max-in-flight',
    '2',
    '--workers',
    String(o.workers),
    '--db',
    db,
    '--redis',
    REDIS,
    '--prefix',
    prefix,
  ];
}

describe('#21 item 10: how runs end', () => {
  it('a single Ctrl-C stops the run and exits 130', async () => {
    const db = tempDb().url('ctrl-c');
    const prefix = uniquePrefix('ctrl-c');
    const search = startCli('search (Ctrl-C)', tableArgs(db, prefix, { budget: 1000, workers: 1, delayMs: 200 }));
    const runId = await runIdOf(search);
    await search.waitFor(/done [1-9]\d*\/1000/, 60_000);
    // As a terminal's Ctrl-C: SIGINT to the whole process group (the controller and its worker slots).
    process.kill(-search.pid, 'SIGINT');
    expect(await search.done(60_000), search.output).toBe(130);
    expect(search.stderr).toContain(`resume with: blockqnn resume ${runId}`);
    const store = await readStore(db);
    expect((await store.getRun(runId)).status).toBe('stopped');
  }, 120_000);

  describe.each([sqliteBackend, postgresBackend])('$name', (backend) => {
    it('fills Candidate.startedAt when a worker takes the job, and refuses to resume the finished run before any worker slot starts', async () => {
      const database = await backend.create();
      onCleanup(() => database.drop());
      const prefix = uniquePrefix('ends');
      const before = Date.now();
      const search = await cli([...tableArgs(database.url, prefix, { budget: 4, workers: 1 }), '--json'], { timeoutMs: 90_000 });
      expect(search.code, search.stderr).toBe(0);
      const runId = (JSON.parse(search.stdout) as { run: { id: string } }).run.id;
      const store = await readStore(database.url);
      const { items } = await store.listCandidates(runId, { limit: 10 });
      expect(items).toHaveLength(4);
      for (const c of items) {
        const detail = (await store.getCandidate(runId, c.hash))!;
        expect(detail.startedAt, `candidate ${c.sequence}`).toBeInstanceOf(Date);
        expect(detail.startedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
        expect(detail.startedAt!.getTime()).toBeLessThanOrEqual(detail.finishedAt!.getTime());
        expect(detail.startedAt!.getTime()).toBeGreaterThanOrEqual(detail.createdAt.getTime() - 1000);
      }

      const resumePrefix = uniquePrefix('ends-resume');
      const resume = await cli(['resume', runId, '--workers', '2', '--db', database.url, '--redis', REDIS, '--prefix', resumePrefix]);
      expect(resume.code).toBe(2);
      expect(resume.stderr).toMatch(
        new RegExp(
          `error \\[INVALID_INPUT\\]: run ${runId} has finished; nothing to resume\\n  hint: start a new run with blockqnn search`,
        ),
      );
      expect(resume.stderr).not.toMatch(/local worker slot|slot cpu\d/);
      expect(await registry(REDIS, resumePrefix)).toEqual([]);
    }, 180_000);
  });
});
