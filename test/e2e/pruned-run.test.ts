/**
 * Pruned runs through the whole system (built CLI, real Redis, real tfjs training on MNIST 8×8):
 * a median-pruned search with two worker processes records its pruned candidates with status
 * `pruned`, the curve of the epochs they trained and the reward of their last accuracy; and
 * kill -9 of the controller mid-run, the run's pruning board deleted as if Redis had lost it, then
 * `blockqnn resume`: the board is re-seeded from the stored curves and every later pruner decision
 * is the one an uninterrupted run of the same seed makes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { evaluateQueueName } from '../../src/queue/contract.js';
import { redisOptions } from '../../src/queue/redis.js';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import { BIN, eventually, keysUnder, readStore, REDIS, runIdOf, start, startCli, tempDb, uniquePrefix } from './harness.js';

const EPOCHS = 3;

/** The embedded MNIST proxy (200 training, 100 validation images) with 3 epochs and Optuna's median pruner after 2 completed candidates. */
function configFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'blockqnn-pruned-'));
  const path = join(dir, 'pruned.json');
  writeFileSync(path, JSON.stringify({ maxIndex: 6, pruner: { name: 'median', options: { startupCandidates: 2 } } }));
  return path;
}

function searchArgs(o: { db: string; prefix: string; budget: number; maxInFlight: number; seed: number }): string[] {
  return [
    'search',
    '--config',
    configFile(),
    '--engine',
    'tfjs',
    '--epochs',
    String(EPOCHS),
    '--subset',
    '200',
    '--validation-size',
    '100',
    '--budget',
    String(o.budget),
    '--max-in-flight',
    String(o.maxInFlight),
    '--seed',
    String(o.seed),
    '--workers',
    '0',
    '--db',
    o.db,
    '--redis',
    REDIS,
    '--prefix',
    o.prefix,
  ];
}

async function startTfjsWorker(label: string, prefix: string) {
  const proc = start(label, process.execPath, [
    BIN,
    'worker',
    '--engine',
    'tfjs',
    '--cpu-slots',
    '1',
    '--redis',
    REDIS,
    '--prefix',
    prefix,
    '--grace-seconds',
    '1',
  ]);
  await proc.waitFor(/slot cpu0 ready/, 60_000);
  return proc;
}

interface Decision {
  nsc: string;
  status: string;
  epochs: number;
  accuracy: number | null;
}

async function decisionsOf(store: Store, runId: string): Promise<Decision[]> {
  const page = await store.listCandidates(runId, { sort: 'sequence', order: 'asc', limit: 1000 });
  return page.items.map((c) => ({ nsc: c.nsc, status: c.status, epochs: c.curve?.length ?? 0, accuracy: c.accuracy }));
}

describe('pruned runs end to end (tfjs, Redis, SQLite)', () => {
  it('two workers: pruned candidates are stored as pruned with their short curve, learned from, and counted', async () => {
    const prefix = uniquePrefix('pruned');
    const db = tempDb().url('run');
    await Promise.all([startTfjsWorker('worker A', prefix), startTfjsWorker('worker B', prefix)]);
    const search = startCli('search', [...searchArgs({ db, prefix, budget: 6, maxInFlight: 2, seed: 5 }), '--json']);
    const runId = await runIdOf(search);
    expect(await search.done(240_000), search.output).toBe(0);
    const store = await readStore(db);
    const rows = (await store.listCandidates(runId, { sort: 'sequence', order: 'asc', limit: 100 })).items;
    expect(rows).toHaveLength(6);
    const pruned = rows.filter((c) => c.status === 'pruned');
    expect(pruned.length).toBeGreaterThan(0);
    expect(rows.every((c) => c.status === 'ok' || c.status === 'pruned')).toBe(true);
    for (const c of pruned) {
      expect(c.curve!.length).toBeGreaterThanOrEqual(1);
      expect(c.curve!.length).toBeLessThan(EPOCHS);
      // Its accuracy is its last epoch's, and the strategy learned it shaped as usual: a reward, not a failure.
      expect(c.accuracy).toBe(c.curve!.at(-1)!.valAccuracy);
      expect(c.reward).not.toBeNull();
    }
    for (const c of rows.filter((r) => r.status === 'ok')) expect(c.curve).toHaveLength(EPOCHS);
    expect(new Set(rows.map((c) => c.workerId)).size).toBe(2);
    const run = await store.getRun(runId);
    expect(run.status).toBe('finished');
    expect(run.resultsByStatus).toMatchObject({ ok: 6 - pruned.length, pruned: pruned.length, failed: 0 });
    expect((await store.countByStatus(runId)).pruned).toBe(pruned.length);
    // A finished run leaves no pruning board behind.
    expect((await keysUnder(REDIS, prefix)).filter((k) => k.includes(':prune:'))).toEqual([]);
  }, 300_000);

  it('kill -9 of the controller and its board lost, then resume: the same pruner decisions as an uninterrupted run', async () => {
    const prefix = uniquePrefix('prunekill');
    const dbs = tempDb();
    const common = { prefix, budget: 6, maxInFlight: 1, seed: 7 };
    await startTfjsWorker('worker', prefix);

    const interruptedDb = dbs.url('interrupted');
    const search = startCli('search (to be killed)', searchArgs({ ...common, db: interruptedDb }));
    const runId = await runIdOf(search);
    const store = await readStore(interruptedDb);
    await eventually(async () => ((await store.getRun(runId)).resultCount >= 3 ? true : undefined), 180_000, '3 results committed');
    search.kill9();
    await search.exited;
    // The job in flight finishes on the worker meanwhile (its decisions read the board as it was); then Redis
    // "loses" the board, and the resumed controller re-seeds it from the store.
    const jobs = new Queue(evaluateQueueName('tfjs'), { connection: redisOptions({ url: REDIS, prefix }), prefix });
    await eventually(
      async () => {
        const counts = await jobs.getJobCounts('active', 'waiting', 'prioritized');
        return (counts.active ?? 0) + (counts.waiting ?? 0) + (counts.prioritized ?? 0) === 0 ? true : undefined;
      },
      180_000,
      'the job in flight done',
    );
    await jobs.close();
    const client = new Redis(REDIS);
    const boardKeys = (await keysUnder(REDIS, prefix)).filter((k) => k.includes(`:prune:{${runId}}`));
    expect(boardKeys.length).toBeGreaterThan(0);
    await client.del(...boardKeys);
    client.disconnect();

    const resume = startCli('resume', ['resume', runId, '--workers', '0', '--db', interruptedDb, '--redis', REDIS, '--prefix', prefix]);
    expect(await resume.done(240_000), resume.output).toBe(0);

    const referenceDb = dbs.url('reference');
    const reference = startCli('search (reference)', searchArgs({ ...common, db: referenceDb }));
    const referenceId = await runIdOf(reference);
    expect(await reference.done(240_000), reference.output).toBe(0);

    const resumed = await decisionsOf(store, runId);
    const straight = await decisionsOf(await readStore(referenceDb), referenceId);
    expect(resumed).toHaveLength(6);
    expect(resumed).toEqual(straight);
    // The pruner did decide in this run (the comparison is about its decisions, not only full trainings).
    expect(straight.some((d) => d.status === 'pruned')).toBe(true);
  }, 600_000);
});
