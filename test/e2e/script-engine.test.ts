/**
 * The script engine through the built CLI: a search whose candidates are trained by
 * examples/custom-trainer/train.py on two workers (the search's own local slot and a
 * `blockqnn worker --engine script` process) over real Redis and SQLite; a trainer that hangs
 * failing each job at the time limit while its slot takes the next; and the bad
 * trainers a command refuses before anything is recorded.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REWARD, shapedReward } from '../../src/controller/index.js';
import { readTrainerFile } from '../../src/engines/script/index.js';
import { deletePrefix } from '../helpers/redis.js';
import { sqliteBackend } from '../store/backends.js';
import { BIN, type Proc, REDIS, REPO, candidatesOf, cli, onCleanup, parentOf, readStore, running, start, startCli } from './harness.js';

const EXAMPLE = 'examples/custom-trainer/train.py';
const HANG = 'test/engines/script/fixtures/hang.py';
/** A tiny proxy: 8×8 MNIST, 200 training and 100 validation images, one epoch, 4-filter networks. */
const TASK = [
  '--dataset',
  'mnist',
  '--subset',
  '200',
  '--validation-size',
  '100',
  '--image-size',
  '8',
  '--epochs',
  '1',
  '--batch-size',
  '16',
  '--blocks',
  '1',
  '--base-filters',
  '4',
  '--stages',
  '2',
  '--max-index',
  '6',
];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'blockqnn-e2e-script-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The run id a search prints once its trainer is checked (a loaded machine takes a while to start Python). */
async function runIdOfSearch(search: Proc): Promise<string> {
  return (await search.waitFor(/run ([a-z0-9]+) \(/, 90_000))[1]!;
}

function uniquePrefix(label: string): string {
  const prefix = `bqe2e-${label}-${randomBytes(4).toString('hex')}`;
  onCleanup(() => deletePrefix({ url: REDIS, prefix }));
  return prefix;
}

function startScriptWorker(label: string, trainer: string, prefix: string) {
  return start(label, process.execPath, [
    BIN,
    'worker',
    '--engine',
    'script',
    '--trainer',
    trainer,
    '--cpu-slots',
    '1',
    '--redis',
    REDIS,
    '--prefix',
    prefix,
    '--grace-seconds',
    '1',
  ]);
}

describe('blockqnn search --engine script', () => {
  it('trains every candidate with the example trainer on two workers (a local slot and a `blockqnn worker`) through Redis and SQLite', async () => {
    const db = await sqliteBackend.create();
    onCleanup(() => db.drop());
    const prefix = uniquePrefix('script');
    const budget = 4;
    const worker = startScriptWorker('script worker', EXAMPLE, prefix);
    await worker.waitFor(/slot cpu0 ready: script train\.py \(sha256 [0-9a-f]{12}\)/, 60_000);
    expect(worker.output).toMatch(/trainer: .*examples\/custom-trainer\/train\.py \(sha256 [0-9a-f]{64}\)/);
    // --workers 1: the search starts a slot of its own, which gets the trainer from --trainer alone.
    const search = startCli('search', [
      'search',
      '--engine',
      'script',
      '--trainer',
      EXAMPLE,
      ...TASK,
      '--budget',
      String(budget),
      '--max-in-flight',
      '2',
      '--seed',
      '3',
      '--workers',
      '1',
      '--db',
      db.url,
      '--redis',
      REDIS,
      '--prefix',
      prefix,
      '--json',
    ]);
    const runId = await runIdOfSearch(search);
    expect(await search.done(240_000), search.output).toBe(0);
    expect(search.stderr).toMatch(/started 1 local worker slot\(s\) with engine script/);

    const store = await readStore(db.url);
    const run = await store.getRun(runId);
    expect(run.engine).toBe('script');
    // The run names the trainer by its digest only: no path, no code.
    const sha256 = readTrainerFile(resolve(REPO, EXAMPLE)).sha256;
    expect((run.config as { task: { trainer: unknown } }).task.trainer).toEqual({ sha256 });
    expect(JSON.stringify(run.config)).not.toContain('train.py');
    const rows = await candidatesOf(store, runId);
    expect(rows).toHaveLength(budget);
    expect(
      rows.filter((r) => r.status !== 'ok'),
      JSON.stringify(rows),
    ).toEqual([]);
    for (const row of rows) {
      const detail = (await store.getCandidate(runId, row.hash))!;
      expect(detail.engine).toBe('script');
      expect(detail.curve).toHaveLength(1);
      expect(detail.accuracy).toBe(detail.curve![0]!.valAccuracy);
      // The trainer's own metric beside the engine's.
      expect(detail.metrics).toMatchObject({ best_val_accuracy: detail.accuracy, params: detail.params });
      // The controller shapes the reported accuracy with the network's FLOPs and density, as for any engine.
      expect(detail.reward).toBeCloseTo(
        shapedReward({ accuracy: detail.accuracy!, flops: detail.flops, density: detail.density }, DEFAULT_REWARD),
        12,
      );
    }
    // Both processes trained: the search's slot and the external worker's.
    const slots = new Set(rows.map((r) => r.workerId));
    expect(slots.size, JSON.stringify([...slots])).toBe(2);
    const slotPids = [...slots].map((id) => Number(id!.split(':').at(-2)));
    expect(slotPids.filter((pid) => running(pid) && parentOf(pid) === worker.pid)).toHaveLength(1);
    expect(worker.exit).toBeNull();
  }, 300_000);

  it('a trainer that never reports fails each job at the time limit, and its slot takes the next', async () => {
    const dir = tempDir();
    const db = `file:${join(dir, 'runs.db')}`;
    const prefix = uniquePrefix('script-hang');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ timeLimitSeconds: 2 }));
    const worker = startScriptWorker('hanging worker', HANG, prefix);
    await worker.waitFor(/slot cpu0 ready/, 60_000);
    const search = startCli('search', [
      'search',
      '--config',
      join(dir, 'config.json'),
      '--engine',
      'script',
      '--trainer',
      HANG,
      ...TASK,
      '--budget',
      '2',
      '--max-in-flight',
      '1',
      '--workers',
      '0',
      '--db',
      db,
      '--redis',
      REDIS,
      '--prefix',
      prefix,
    ]);
    const runId = await runIdOfSearch(search);
    expect(await search.done(120_000), search.output).toBe(0);
    const store = await readStore(db);
    const rows = await candidatesOf(store, runId);
    expect(rows.map((r) => r.status)).toEqual(['failed', 'failed']);
    for (const row of rows) expect((await store.getCandidate(runId, row.hash))!.error).toBe('time limit of 2 s exceeded');
    // One slot took both jobs, one after the other, and is still serving.
    expect(new Set(rows.map((r) => r.workerId)).size).toBe(1);
    expect(worker.exit).toBeNull();
  }, 150_000);
});

describe('bad trainers: a clear error, exit code 2, nothing recorded', () => {
  async function expectError(args: string[], code: string, message: RegExp): Promise<void> {
    const r = await cli(args, { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^blockqnn: error \\[${code}\\]: `, 'm'));
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }

  it('names the missing flag, the missing file or the syntax error', async () => {
    const dir = tempDir();
    const db = `file:${join(dir, 'runs.db')}`;
    const broken = join(dir, 'broken.py');
    writeFileSync(broken, 'import blockqnn_trial\nfor epoch in range(3)\n    pass\n');
    const base = [...TASK, '--workers', '0', '--db', db, '--redis', REDIS, '--prefix', uniquePrefix('script-bad')];
    await expectError(
      ['search', '--engine', 'script', ...base],
      'INVALID_CONFIG',
      /--engine script needs the training script to run: --trainer PATH\n\s+hint: e\.g\. --engine script --trainer examples\/custom-trainer\/train\.py/,
    );
    await expectError(
      ['search', '--engine', 'script', '--trainer', join(dir, 'missing.py'), ...base],
      'NOT_FOUND',
      /trainer .*missing\.py does not exist/,
    );
    await expectError(
      ['search', '--engine', 'script', '--trainer', broken, ...base],
      'INVALID_INPUT',
      /trainer .*broken\.py cannot run: SyntaxError: /,
    );
    await expectError(
      ['worker', '--engine', 'script', '--redis', REDIS],
      'INVALID_CONFIG',
      /--engine script needs the training script to run/,
    );
    const runs = await cli(['runs', '--db', db, '--json']);
    expect(runs.stderr).toMatch(/runs\.db does not exist/); // nothing recorded, not even the database file
    expect(readFileSync(broken, 'utf8')).toContain('range(3)'); // untouched
  }, 120_000);
});
