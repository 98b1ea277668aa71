/**
 * Issue #16 item 6 through the built CLI (`npm run build` first): a search on a dataset its workers do not
 * have. With local worker slots the controller's host is the workers' host, so the missing CIFAR-10 files
 * are refused before the run exists. With `--workers 0` only the workers can tell: a worker whose
 * BLOCKQNN_CIFAR10_DIR is an empty folder fails its first jobs, the run pauses after 3 of them naming the
 * reason (exit 3), `status` lists the reasons with counts, and once the files are there `resume` finishes it.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { writeCifarDir } from '../datasets/fixtures.js';
import { REDIS, cli, eventually, onCleanup, readStore, runIdOf, startCli, uniquePrefix } from './harness.js';

const TINY = [
  '--engine',
  'tfjs',
  '--image-size',
  '8',
  '--epochs',
  '1',
  '--batch-size',
  '8',
  '--subset',
  '40',
  '--validation-size',
  '20',
  '--blocks',
  '1',
  '--base-filters',
  '4',
  '--stages',
  '2',
  '--max-index',
  '4',
];

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'blockqnn-systemic-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'cifar'));
  return dir;
}

it('with local slots, a missing CIFAR-10 is refused before anything is queued, naming the file and the fix', async () => {
  const dir = workspace();
  const db = join(dir, 'runs.db');
  const r = await cli(
    [
      'search',
      '--dataset',
      'cifar10',
      ...TINY,
      '--budget',
      '3',
      '--workers',
      '1',
      '--db',
      `file:${db}`,
      '--redis',
      REDIS,
      '--prefix',
      uniquePrefix('systemic-local'),
    ],
    {
      env: { BLOCKQNN_CIFAR10_DIR: join(dir, 'cifar') },
    },
  );
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(`CIFAR-10 file data_batch_1.bin not found in ${join(dir, 'cifar')}`);
  expect(r.stderr).toMatch(/hint: download the binary version/);
  // Refused before the run (or even the database) exists, and before any worker slot started.
  expect(existsSync(db)).toBe(false);
  expect(r.stderr).not.toMatch(/local worker slot/);
}, 60_000);

it('with external workers that lack it, the run pauses after 3 identical failures naming the reason; status lists it; resume finishes once fixed', async () => {
  const dir = workspace();
  const db = `file:${join(dir, 'runs.db')}`;
  const prefix = uniquePrefix('systemic');
  const env = { BLOCKQNN_CIFAR10_DIR: join(dir, 'cifar'), BLOCKQNN_CACHE_DIR: join(dir, 'cache') };
  const worker = startCli(
    'worker without CIFAR-10',
    ['worker', '--engine', 'tfjs', '--cpu-slots', '1', '--redis', REDIS, '--prefix', prefix, '--grace-seconds', '1'],
    env,
  );
  await eventually(
    () => (/slot cpu0 ready/.test(worker.output) ? true : worker.exit ? Promise.reject(new Error(worker.output)) : undefined),
    60_000,
    worker.output,
  );

  const search = startCli(
    'search (--workers 0)',
    [
      'search',
      '--dataset',
      'cifar10',
      ...TINY,
      '--budget',
      '5',
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
    env,
  );
  const runId = await runIdOf(search);
  expect(await search.done(120_000), search.output).toBe(3);
  const reason = `NOT_FOUND: CIFAR-10 file data_batch_1.bin not found in ${join(dir, 'cifar')}`;
  expect(search.output).toMatch(
    new RegExp(
      `run ${runId} paused: 3 results in a row failed because the dataset is missing where the job ran \\(worker [^)]+\\): ${escape(reason)}`,
    ),
  );
  expect(search.output).toContain(`blockqnn resume ${runId}`);
  // The final summary: the pause and the failures by reason.
  expect(search.output).toMatch(/failures by reason:\n\s+[34] × NOT_FOUND: CIFAR-10 file data_batch_1\.bin not found/);

  const status = await cli(['status', runId, '--db', db]);
  expect(status.code, status.stderr).toBe(0);
  expect(status.stdout).toMatch(
    new RegExp(`: paused · .*\\npaused: 3 results in a row failed because the dataset is missing where the job ran`),
  );
  expect(status.stdout).toMatch(/failures by reason:\n\s+[34] × NOT_FOUND: CIFAR-10 file data_batch_1\.bin not found in/);
  const json = JSON.parse((await cli(['status', runId, '--db', db, '--json'])).stdout) as {
    run: { status: string; error: string };
    failures: { reason: string; count: number }[];
  };
  expect(json.run.status).toBe('paused');
  expect(json.run.error).toContain(reason);
  expect(json.failures).toEqual([{ reason, count: expect.any(Number) }]);
  const failedBefore = json.failures[0]!.count;
  expect([3, 4]).toContain(failedBefore);

  // Fixed on the worker's host: resume continues where the run paused, with the same worker.
  writeCifarDir(join(dir, 'cifar'), 20, 20);
  const resumed = await cli(['resume', runId, '--workers', '0', '--db', db, '--redis', REDIS, '--prefix', prefix], {
    env,
    timeoutMs: 240_000,
  });
  expect(resumed.code, resumed.stderr).toBe(0);
  const store = await readStore(db);
  try {
    const run = await store.getRun(runId);
    expect([run.status, run.error, run.resultCount]).toEqual(['finished', null, 5]);
    const rows = (await store.listCandidates(runId, { limit: 10 })).items;
    expect(new Set(rows.map((r) => r.hash)).size).toBe(5);
    const failed = rows.filter((r) => r.status === 'failed').length;
    // A job the worker failed as the run paused keeps its result (committed by resume); every other one trained.
    expect(failed === failedBefore || failed === failedBefore + 1, `${failed} failed`).toBe(true);
    expect(rows.filter((r) => r.status === 'ok' || r.status === 'pruned')).toHaveLength(5 - failed);
  } finally {
    await store.close();
  }
}, 400_000);

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
