/**
 * Issue #21 item 4 through the built CLI (`npm run build` first): `--time-budget`
 * restarted on every resume (an 8 s budget stopped at 4 s ran 8 more seconds),
 * and the first rate line after a resume divided every result of the run by the
 * new process's first milliseconds. The time spent is now kept with the run
 * (Run.secondsSpent, saved with each heartbeat and at the end); a resumed run
 * spends what is left, and its rate line uses the run's own results and seconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REDIS, eventually, onCleanup, readStore, runIdOf, startCli, startWorker, tempDb, uniquePrefix } from '../e2e/harness.js';
import { FITNESS, writeNb201Table } from '../helpers/nb201-table.js';

const BUDGET_SECONDS = 12;

describe('#21 item 4: --time-budget across a resume', () => {
  it("a run stopped after half its time budget spends only the rest after resume; the first rate line is the run's own", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blockqnn-time-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    writeNb201Table(join(dir, 'table.csv'));
    const db = tempDb().url('time');
    const prefix = uniquePrefix('time');
    // An external worker, so neither controller waits for local slots to stop.
    await startWorker('worker', { redis: REDIS, prefix });
    const search = startCli('search', [
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
      '--time-budget',
      String(BUDGET_SECONDS),
      '--delay-ms',
      '100',
      '--max-in-flight',
      '2',
      '--workers',
      '0',
      '--db',
      db,
      '--redis',
      REDIS,
      '--prefix',
      prefix,
    ]);
    const runId = await runIdOf(search);
    const store = await readStore(db);
    // Half the budget spent, and results to rate (a loaded machine may be slow to deliver the first).
    await eventually(
      async () => {
        const run = await store.getRun(runId);
        return run.secondsSpent >= BUDGET_SECONDS / 2 && run.resultCount > 0 ? true : undefined;
      },
      60_000,
      'half the time budget spent',
    );
    search.child.kill('SIGINT');
    expect(await search.done(60_000), search.output).toBe(130);
    const stopped = await store.getRun(runId);
    expect(stopped.status).toBe('stopped');
    const spentFirst = stopped.secondsSpent;
    expect(spentFirst).toBeGreaterThanOrEqual(BUDGET_SECONDS / 2);
    expect(spentFirst).toBeLessThan(BUDGET_SECONDS);

    const resume = startCli('resume', ['resume', runId, '--workers', '0', '--db', db, '--redis', REDIS, '--prefix', prefix]);
    await resume.waitFor(new RegExp(`run ${runId}: restored`), 60_000);
    const resumedAt = Date.now();
    expect(await resume.done(60_000), resume.output).toBe(0);
    const secondSession = (Date.now() - resumedAt) / 1000;
    // What was left of the budget (plus draining the jobs in flight and exiting), not the whole budget again.
    expect(secondSession).toBeLessThan(BUDGET_SECONDS - spentFirst + 2.5);
    expect(secondSession).toBeLessThan(BUDGET_SECONDS);
    const finished = await store.getRun(runId);
    expect(finished.status).toBe('finished');
    expect(finished.secondsSpent).toBeGreaterThanOrEqual(BUDGET_SECONDS);
    expect(finished.secondsSpent).toBeLessThan(BUDGET_SECONDS + 2.5);

    // The first rate line of the resumed process: the results it restored over the seconds the run had spent.
    const first = /run \S+: done (\d+) · .* · ([\d.]+) candidates\/s/.exec(resume.stderr);
    expect(first, resume.stderr).not.toBeNull();
    const [done, rate] = [Number(first![1]), Number(first![2])];
    expect(stopped.resultCount, `${search.output}\n${resume.output}`).toBeGreaterThan(0);
    expect(done).toBeGreaterThanOrEqual(stopped.resultCount);
    expect(rate).toBeGreaterThan(0);
    expect(Math.abs(rate - done / spentFirst) / (done / spentFirst)).toBeLessThan(0.3);
  }, 180_000);
});
