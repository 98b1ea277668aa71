/**
 * Issue #21 item 7 through the built CLI (`npm run build` first): a table run
 * with `--workers 0` said "start them with `blockqnn worker`", and a plain
 * `blockqnn worker` picks torch and never takes a job, while the controller sat
 * at done 0 without a word. Now the hint is the exact command, a run whose jobs
 * no live worker of its engine can take says so after a while (naming the
 * engines that are up) — so does `blockqnn status` — and the command from the hint finishes the run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { NO_WORKER_WARN_ENV } from '../../src/cli/worker-watch.js';
import { BIN, REDIS, cli, onCleanup, readStore, runIdOf, start, startCli, tempDb, uniquePrefix } from '../e2e/harness.js';
import { FITNESS, writeNb201Table } from '../helpers/nb201-table.js';

it('--workers 0 prints the exact worker command, warns while no worker of the engine is live, and that command finishes the run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'blockqnn-hint-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  writeNb201Table(join(dir, 'table.csv'));
  const db = tempDb().url('hint');
  const prefix = uniquePrefix('hint');
  const search = startCli(
    'search (--workers 0)',
    [
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
      '3',
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
    ],
    { [NO_WORKER_WARN_ENV]: '1' },
  );
  const runId = await runIdOf(search);

  const hint = await search.waitFor(/start them on any host that reaches this Redis with: (blockqnn worker [^\n]+)/, 20_000);
  const command = hint[1]!.trim();
  expect(command).toBe(`blockqnn worker --engine table --redis ${REDIS} --prefix ${prefix}`);

  const warning = await search.waitFor(
    /warning: no live table worker on prefix (\S+) for \d+ s: the run's jobs wait\. Start one with: ([^\n]+)/,
    20_000,
  );
  expect(warning[1]).toBe(prefix);
  expect(warning[2]!.trim()).toBe(command);

  // `blockqnn status` of the waiting run says the same, with the command, in text and JSON.
  const status = await cli(['status', runId, '--db', db, '--redis', REDIS, '--prefix', prefix]);
  expect(status.code, status.stderr).toBe(0);
  expect(status.stdout).toContain(`warning: no live table worker on prefix ${prefix}: the run's jobs wait. Start one with: ${command}\n`);
  const json = JSON.parse((await cli(['status', runId, '--db', db, '--redis', REDIS, '--prefix', prefix, '--json'])).stdout) as {
    workerHint: { command: string } | null;
  };
  expect(json.workerHint?.command).toBe(command);

  // The command from the hint, as a user would paste it (the harness kills it when the test ends).
  start('worker from the hint', process.execPath, [BIN, ...command.split(' ').slice(1), '--grace-seconds', '1']);
  await search.waitFor(/table worker slot\(s\) now serve the run/, 30_000);
  expect(await search.done(60_000)).toBe(0);

  const store = await readStore(db);
  try {
    const run = await store.getRun(runId);
    expect([run.status, run.resultCount]).toEqual(['finished', 3]);
    const after = await cli(['status', runId, '--db', db, '--redis', REDIS, '--prefix', prefix]);
    expect(after.stdout).not.toContain('no live table worker');
  } finally {
    await store.close();
  }
}, 120_000);
