/**
 * Issue #19, third bug: final-training checkpoints were named by the row id
 * alone under `<cwd>/.blockqnn/checkpoints`, so training 1 of a second database
 * in the same folder replaced training 1 of the first, whose export then failed
 * with "…trained for another network". Now a checkpoint is named by row id and
 * content, lives beside its SQLite file (or in BLOCKQNN_CHECKPOINT_DIR), and is
 * never overwritten. Two databases in one folder, each with a real training on
 * the torch engine through real Redis and a real worker.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerBuiltinEngines } from '../../src/engines/builtin.js';
import { readCheckpoint, resolveCheckpointFile, saveCheckpointBytes, trainingCheckpointPath } from '../../src/engines/checkpoint.js';
import { createEngine } from '../../src/engines/registry.js';
import type { Engine } from '../../src/engines/engine.js';
import { selectSubjects } from '../../src/export/index.js';
import { nscCandidates } from '../../src/orchestrator/candidates.js';
import { createRun, prepareConfig } from '../../src/orchestrator/session.js';
import { planTraining } from '../../src/orchestrator/training-plan.js';
import { collectTraining, submitTraining, watchTraining } from '../../src/orchestrator/training.js';
import { buildSearchConfig } from '../../src/cli/search-config.js';
import { EvaluationQueue } from '../../src/queue/evaluation-queue.js';
import { EvaluationWorker } from '../../src/queue/evaluation-worker.js';
import { RESNET_BLOCK_NSC } from '../../src/search-space/index.js';
import { type Store, openStore } from '../../src/store/index.js';
import { engineHandler } from '../../src/worker/handler.js';
import { deletePrefix, testRedisSettings } from '../helpers/redis.js';
import { postgresBackend } from '../store/backends.js';

const redis = testRedisSettings('checkpoints');
let dir: string;
let engine: Engine;
let worker: EvaluationWorker;
let queue: EvaluationQueue;
const stores: Store[] = [];
const saved = process.env.BLOCKQNN_DATA_DIR;

beforeAll(async () => {
  registerBuiltinEngines();
  dir = mkdtempSync(join(tmpdir(), 'bq-two-dbs-'));
  // Where the old code put every database's checkpoints: the one folder both databases share here.
  process.env.BLOCKQNN_DATA_DIR = join(dir, '.blockqnn');
  engine = await createEngine('torch');
  queue = new EvaluationQueue(redis, 'torch');
  worker = new EvaluationWorker(redis, engineHandler(engine), {
    engine: 'torch',
    engineDescription: engine.describe(),
    slot: 'test-checkpoints',
  });
  await worker.start();
});

afterAll(async () => {
  if (saved === undefined) delete process.env.BLOCKQNN_DATA_DIR;
  else process.env.BLOCKQNN_DATA_DIR = saved;
  await worker?.close();
  await engine?.close?.();
  await queue?.close();
  for (const store of stores) await store.close();
  await deletePrefix(redis);
  rmSync(dir, { recursive: true, force: true });
});

/** A database with a run whose best candidate is the ResNet block, and that candidate's final training (always training 1 here) at `filters`. */
async function trainedDatabase(file: string, filters: number) {
  const store = await openStore(`file:${join(dir, file)}`);
  stores.push(store);
  const config = prepareConfig(buildSearchConfig({}, 'torch'));
  const runId = (await createRun(store, config)).id;
  const m = nscCandidates({ ...config.network }, config.maxIndex).materialize(RESNET_BLOCK_NSC);
  await store.upsertQueuedCandidates(runId, [{ hash: m.hash, nsc: m.key, ir: m.ir, flops: m.flops, params: m.params, density: m.density }]);
  await store.commitResult(runId, m.hash, { status: 'ok', accuracy: 0.5, reward: 0.4 }, { snapshot: 1 });
  const plan = await planTraining(store, { kind: 'best', runId }, { epochs: 1, filters, subset: 40, batchSize: 20 }, 'torch');
  const training = await submitTraining(store, queue, plan);
  const done = await watchTraining(store, queue, training.id, { pollMs: 100 });
  expect(done.status, done.error ?? '').toBe('ok');
  return { store, runId, done, file: resolveCheckpointFile(done.checkpointPath!, store.trainings.checkpointDir) };
}

describe('checkpoints of two databases in one folder', () => {
  it('each training 1 keeps its own file beside its database, and the first still exports after the second trained', async () => {
    const a = await trainedDatabase('a.db', 4);
    const b = await trainedDatabase('b.db', 8);
    expect([a.done.id, b.done.id]).toEqual([1, 1]);
    expect(a.file).toBe(join(dir, 'a.db-checkpoints', a.done.checkpointPath!));
    expect(b.file).toBe(join(dir, 'b.db-checkpoints', b.done.checkpointPath!));
    expect(a.done.checkpointPath).toMatch(/^training-1-[0-9a-f]{16}\.safetensors$/);
    expect(a.done.checkpointPath).not.toBe(b.done.checkpointPath);
    // Nothing went to the shared folder the old code used.
    expect(existsSync(trainingCheckpointPath(1))).toBe(false);
    // The first database's weights are intact: its export loads them for its own network.
    const [subject] = await selectSubjects(a.store, { runId: a.runId, selection: { best: true }, weights: true });
    expect(subject!.training?.id).toBe(1);
    expect(subject!.weights?.source).toBe(`training 1 (${a.file})`);
    expect(readCheckpoint(readFileSync(a.file)).metadata.ir).not.toBe(readCheckpoint(readFileSync(b.file)).metadata.ir);
    // Collecting again (another process racing) writes nothing new and changes nothing.
    expect(await collectTraining(a.store, queue, 1)).toEqual(a.done);
  }, 180_000);

  it("rows from before keep their absolute path; a bare name lies in the store's folder; legacy relative paths in the data folder", () => {
    expect(resolveCheckpointFile('/old/.blockqnn/checkpoints/training-1.safetensors', '/db.sqlite-checkpoints')).toBe(
      '/old/.blockqnn/checkpoints/training-1.safetensors',
    );
    expect(resolveCheckpointFile('training-1-0123456789abcdef.safetensors', '/x/db.sqlite-checkpoints')).toBe(
      '/x/db.sqlite-checkpoints/training-1-0123456789abcdef.safetensors',
    );
    expect(resolveCheckpointFile('checkpoints/training-1.safetensors', '/x/c', '/data')).toBe('/data/checkpoints/training-1.safetensors');
    expect(() => resolveCheckpointFile('training-1-0123456789abcdef.safetensors', null)).toThrow(
      /PostgreSQL store has no folder for the checkpoints of final trainings/,
    );
  });

  it('never replaces an existing checkpoint: the same bytes are a no-op, other bytes an error', async () => {
    const file = join(dir, 'kept.safetensors');
    writeFileSync(file, 'first');
    await saveCheckpointBytes(file, Buffer.from('first'));
    await expect(saveCheckpointBytes(file, Buffer.from('second'))).rejects.toMatchObject({
      code: 'IO_ERROR',
      message: expect.stringMatching(/another checkpoint is already there, and checkpoints are never overwritten/),
    });
    expect(readFileSync(file, 'utf8')).toBe('first');
  });
});

describe('the checkpoint folder of a store', () => {
  it('is beside a SQLite file, BLOCKQNN_CHECKPOINT_DIR when set, and absent for PostgreSQL until configured', async () => {
    const sqlite = await openStore(`file:${join(dir, 'c.db')}`);
    const configured = await openStore(`file:${join(dir, 'c.db')}`, { checkpointDir: join(dir, 'shared') });
    const database = await postgresBackend.create();
    const pg = await openStore(database.url, { checkpointDir: '' });
    const pgConfigured = await openStore(database.url, { checkpointDir: join(dir, 'pg') });
    try {
      expect(sqlite.trainings.checkpointDir).toBe(join(dir, 'c.db-checkpoints'));
      expect(configured.trainings.checkpointDir).toBe(join(dir, 'shared'));
      expect(pg.trainings.checkpointDir).toBeNull();
      expect(pgConfigured.trainings.checkpointDir).toBe(join(dir, 'pg'));
    } finally {
      for (const s of [sqlite, configured, pg, pgConfigured]) await s.close();
      await database.drop();
    }
  });
});
