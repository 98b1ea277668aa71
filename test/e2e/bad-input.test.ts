/**
 * Bad input through the built CLI: each gets a clear message and exit code 2
 * before anything is recorded, and jobs in the queue that are malformed,
 * foreign or for another engine are rejected and logged by the worker while
 * the run they landed in keeps going.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { deletePrefix } from '../helpers/redis.js';
import { PG_ADMIN_URL } from '../store/backends.js';
import {
  candidatesOf,
  cli,
  eventually,
  onCleanup,
  readStore,
  REDIS,
  runIdOf,
  startCli,
  startWorker,
  TABLE,
  tableSearchArgs,
} from './harness.js';

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'blockqnn-e2e-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs blockqnn and expects exit code 2 with one `blockqnn: error [CODE]: ...` message on stderr and nothing on stdout. */
async function expectError(args: string[], code: string, message: RegExp): Promise<string> {
  const r = await cli(args, { timeoutMs: 30_000 });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(new RegExp(`^blockqnn: error \\[(?:${code})\\]: `, 'm'));
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  return r.stderr;
}

describe('bad input: clear errors, exit code 2, nothing recorded', () => {
  const table = ['--engine', 'table', '--table', TABLE, '--workers', '0'];

  it('a malformed config file (not JSON, or invalid fields) is rejected with the file and the fields named', async () => {
    const dir = tempDir();
    const db = `file:${join(dir, 'runs.db')}`;
    writeFileSync(join(dir, 'broken.json'), '{"space": "nasbench201",\n');
    writeFileSync(join(dir, 'invalid.json'), JSON.stringify({ strategy: 5, maxInFlight: -3, budget: { candidates: 4 } }));
    writeFileSync(join(dir, 'array.json'), '[1, 2]');
    await expectError(
      ['search', '--config', join(dir, 'broken.json'), ...table, '--db', db],
      'INVALID_CONFIG',
      /config file .*broken\.json is not valid JSON/,
    );
    const invalid = await expectError(
      ['search', '--config', join(dir, 'invalid.json'), ...table, '--db', db],
      'INVALID_CONFIG',
      /invalid search config: /,
    );
    expect(invalid).toMatch(/strategy: .*expected string/);
    expect(invalid).toMatch(/maxInFlight: /);
    await expectError(
      ['search', '--config', join(dir, 'array.json'), ...table, '--db', db],
      'INVALID_CONFIG',
      /the top level must be an object/,
    );
    await expectError(
      ['search', '--config', join(dir, 'missing.json'), ...table, '--db', db],
      'INVALID_INPUT',
      /cannot read config file .*missing\.json/,
    );
    // Nothing was recorded: not even the database file exists, and `runs` says so instead of creating it.
    await expectError(['runs', '--db', db, '--json'], 'NOT_FOUND', /database file:.*runs\.db does not exist/);
    expect(existsSync(join(dir, 'runs.db'))).toBe(false);
  });

  it('an unknown dataset, engine or strategy is named with the valid choices', async () => {
    const db = `file:${join(tempDir(), 'runs.db')}`;
    await expectError(
      ['search', '--dataset', 'imagenet', '--engine', 'tfjs', '--workers', '0', '--db', db],
      'UNKNOWN_NAME',
      /unknown dataset "imagenet"[\s\S]*valid dataset names: .*mnist/,
    );
    await expectError(
      ['search', '--engine', 'gpt', '--workers', '0', '--db', db],
      'UNKNOWN_NAME',
      /unknown engine "gpt"[\s\S]*valid engine names: .*table/,
    );
    await expectError(['worker', '--engine', 'gpt', '--redis', REDIS], 'UNKNOWN_NAME', /unknown engine "gpt"/);
    await expectError(['search', ...table, '--strategy', 'genius', '--db', db], 'UNKNOWN_NAME', /unknown strategy "genius"[\s\S]*random/);
  });

  it('unreachable Redis: search and worker say where they looked and what to do', async () => {
    const db = `file:${join(tempDir(), 'runs.db')}`;
    const dead = 'redis://127.0.0.1:1';
    await expectError(
      ['search', ...table, '--budget', '4', '--db', db, '--redis', dead],
      'UNREACHABLE',
      /cannot reach Redis at redis:\/\/127\.0\.0\.1:1[\s\S]*hint: start redis-server/,
    );
    await expectError(['worker', '--engine', 'table', '--redis', dead], 'UNREACHABLE', /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    expect(JSON.parse((await cli(['runs', '--db', db, '--json'])).stdout)).toEqual([]); // no run was created
  });

  it('unreachable database: a dead server and a missing database are told apart', async () => {
    const deadPg = 'postgresql://postgres@127.0.0.1:1/blockqnn';
    await expectError(
      ['search', ...table, '--budget', '4', '--db', deadPg, '--redis', REDIS],
      'UNREACHABLE',
      /PostgreSQL database postgresql:\/\/postgres@127\.0\.0\.1:1\/blockqnn is unreachable/,
    );
    await expectError(['runs', '--db', deadPg], 'UNREACHABLE', /is unreachable/);
    const missing = new URL(PG_ADMIN_URL);
    missing.pathname = `/blockqnn_missing_${randomBytes(4).toString('hex')}`;
    await expectError(['status', 'r1', '--db', missing.toString()], 'UNREACHABLE', /does not exist[\s\S]*createdb/);
    await expectError(['runs', '--db', `file:${join(tempDir(), 'no', 'such', 'dir', 'x.db')}`], 'NOT_FOUND', /x\.db does not exist/);
  });
});

describe('malformed and foreign jobs in the queue', () => {
  it('are rejected and logged by the worker, never retried, while the run finishes with every candidate', async () => {
    const prefix = `bqe2e-badjobs-${randomBytes(4).toString('hex')}`;
    onCleanup(() => deletePrefix({ url: REDIS, prefix }));
    const db = `file:${join(tempDir(), 'badjobs.db')}`;
    const worker = await startWorker('worker', { redis: REDIS, prefix });
    const budget = 12;
    const search = startCli('search', tableSearchArgs({ db, redis: REDIS, prefix, budget, delayMs: 150, maxInFlight: 3 }));
    const runId = await runIdOf(search);

    const queue = new Queue('evaluate-table', {
      connection: { host: new URL(REDIS).hostname, port: Number(new URL(REDIS).port || 6379) },
      prefix,
    });
    onCleanup(() => queue.close());
    // A real job of the run, as a template for a well-formed job for another engine.
    const template = await eventually(
      async () => (await queue.getJobs(['wait', 'active', 'prioritized'])).find((j) => j?.id?.startsWith(`${runId}.`)),
      20_000,
      'a job of the run',
    );
    const intruders = [
      {
        id: 'foreign-job-1',
        name: 'email',
        data: { to: 'someone@example.com' },
        reason: /rejected job foreign-job-1: malformed evaluate job: /,
      },
      {
        id: `${runId}.${'ab'.repeat(16)}`,
        name: 'evaluate',
        data: { contract: 'blockqnn/evaluate@1', runId, candidateHash: 'ab'.repeat(16), ir: 'not a network' },
        reason: /malformed evaluate job: .*ir/,
      },
      {
        id: `${runId}.${'cd'.repeat(16)}`,
        name: 'evaluate',
        data: { ...template.data, candidateHash: 'cd'.repeat(16), engine: 'tfjs' },
        reason: /it needs engine "tfjs", this worker runs "table"/,
      },
      {
        id: `${runId}.${'ef'.repeat(16)}`,
        name: 'evaluate',
        data: { ...template.data, candidateHash: 'ef'.repeat(16), contract: 'someone-else/evaluate@9' },
        reason: /malformed evaluate job: contract/,
      },
    ];
    await queue.addBulk(intruders.map((j) => ({ name: j.name, data: j.data, opts: { jobId: j.id, attempts: 3, removeOnFail: false } })));

    expect(await search.done(60_000), search.output).toBe(0);
    // The run is unharmed: every candidate once, all ok, none of the intruders recorded.
    const rows = await candidatesOf(await readStore(db), runId);
    expect(rows).toHaveLength(budget);
    expect(new Set(rows.map((r) => r.hash)).size).toBe(budget);
    expect(rows.every((r) => r.status === 'ok')).toBe(true);
    for (const j of intruders) expect(rows.map((r) => r.hash)).not.toContain(j.id.split('.')[1]);

    // Each intruder failed at once (no retries) with its reason, and the worker logged it.
    for (const j of intruders) {
      const job = await queue.getJob(j.id);
      expect(await job!.getState()).toBe('failed');
      expect(job!.attemptsMade).toBe(1);
      expect(job!.failedReason).toMatch(j.reason);
      await worker.waitFor(new RegExp(`slot cpu0: rejected job ${j.id.replace('.', '\\.')}: `), 5_000);
    }
    expect(worker.exit).toBeNull(); // still serving
  });
});
