/**
 * Final training end to end, on both engines: a run's best candidate is planned
 * (rebuilt at a wider width on the dataset's native images), stored, queued on
 * real Redis, trained by a real worker (EvaluationWorker + the real engine) on
 * real Fashion-MNIST images with the cosine schedule, evaluated on the test split, and
 * its checkpoint comes back through Redis, is written beside the SQLite file
 * and loads into the generated PyTorch module with the IR's parameter count.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerBuiltinEngines } from '../../src/engines/builtin.js';
import { readCheckpoint, resolveCheckpointFile } from '../../src/engines/checkpoint.js';
import { createEngine } from '../../src/engines/registry.js';
import { generateTorchModule } from '../../src/engines/torch/codegen.js';
import { CHECKPOINT_SCRIPT } from '../../src/engines/torch/paths.js';
import { prepareConfig, createRun } from '../../src/orchestrator/session.js';
import { nscCandidates } from '../../src/orchestrator/candidates.js';
import { planTraining } from '../../src/orchestrator/training-plan.js';
import { collectTraining, submitTraining, trainingJobHash, watchTraining } from '../../src/orchestrator/training.js';
import { buildSearchConfig } from '../../src/cli/search-config.js';
import { trainingScope } from '../../src/queue/contract.js';
import { CHECKPOINT_KEY } from '../../src/queue/checkpoint-handoff.js';
import { EvaluationQueue } from '../../src/queue/evaluation-queue.js';
import { EvaluationWorker } from '../../src/queue/evaluation-worker.js';
import { createRedis } from '../../src/queue/redis.js';
import { networkCost, parseIr, RESNET_BLOCK_NSC } from '../../src/search-space/index.js';
import { type Store, openStore } from '../../src/store/index.js';
import { learningRateAt } from '../../src/task/task.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdxFile } from '../../src/datasets/idx.js';
import { idxBytes } from '../datasets/fixtures.js';
import { engineHandler } from '../../src/worker/handler.js';
import { deletePrefix, testRedisSettings } from '../helpers/redis.js';
import { torchPython } from '../engines/torch/helpers.js';

const run = promisify(execFile);
const redis = testRedisSettings('training');
let dir: string;
let store: Store;
let runId: string;
let candidateId: number;

const FASHION = '/usr/share/datasets/fashion-mnist';
const saved = { fashion: process.env.BLOCKQNN_FASHION_MNIST_DIR, cache: process.env.BLOCKQNN_CACHE_DIR };

/** The first images of the real Fashion-MNIST files (Debian's dataset-fashion-mnist), as a small IDX directory. */
async function fashionSlice(target: string, train: number, test: number): Promise<void> {
  const cut = async (name: string, magic: number, count: number) => {
    const a = await readIdxFile(join(FASHION, `${name}.gz`), magic, 'apt-get install dataset-fashion-mnist');
    const per = a.dims.slice(1).reduce((x, y) => x * y, 1);
    writeFileSync(join(target, name), idxBytes([count, ...a.dims.slice(1)], a.data.subarray(0, count * per)));
  };
  await cut('train-images-idx3-ubyte', IDX_IMAGES_MAGIC, train);
  await cut('train-labels-idx1-ubyte', IDX_LABELS_MAGIC, train);
  await cut('t10k-images-idx3-ubyte', IDX_IMAGES_MAGIC, test);
  await cut('t10k-labels-idx1-ubyte', IDX_LABELS_MAGIC, test);
}

beforeAll(async () => {
  registerBuiltinEngines();
  dir = mkdtempSync(join(tmpdir(), 'bq-training-'));
  // Real clothing images, kept small: 300 to train on, a 100-image test split (pure-JS tfjs evaluates it every epoch).
  mkdirSync(join(dir, 'fashion'));
  await fashionSlice(join(dir, 'fashion'), 300, TEST_IMAGES);
  process.env.BLOCKQNN_FASHION_MNIST_DIR = join(dir, 'fashion');
  process.env.BLOCKQNN_CACHE_DIR = join(dir, 'cache');
  store = await openStore(`file:${join(dir, 'db.sqlite')}`);
  // A small search run with one evaluated candidate (the ResNet block) to take the best of.
  const config = prepareConfig(buildSearchConfig({ dataset: 'fashion-mnist' }, 'torch'));
  runId = (await createRun(store, config)).id;
  const m = nscCandidates({ ...config.network }, config.maxIndex).materialize(RESNET_BLOCK_NSC);
  const [queued] = await store.upsertQueuedCandidates(runId, [
    { hash: m.hash, nsc: m.key, ir: m.ir, flops: m.flops, params: m.params, density: m.density },
  ]);
  await store.commitResult(runId, m.hash, { status: 'ok', accuracy: 0.5, reward: 0.4 }, { snapshot: 1 });
  candidateId = queued!.candidate.id;
});

afterAll(async () => {
  for (const [key, value] of [
    ['BLOCKQNN_FASHION_MNIST_DIR', saved.fashion],
    ['BLOCKQNN_CACHE_DIR', saved.cache],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await store?.close();
  await deletePrefix(redis);
  rmSync(dir, { recursive: true, force: true });
});

const TEST_IMAGES = 100;
const flags = {
  torch: { epochs: 2, filters: 8, subset: 256, batchSize: 32, schedule: 'cosine' as const },
  // Pure-JS tfjs trains ~4 images/s at this size on a busy 2-core machine: fewer images, same schedule.
  tfjs: { epochs: 2, filters: 4, subset: 40, batchSize: 20, schedule: 'cosine' as const },
};

async function trainOn(engineName: 'torch' | 'tfjs') {
  const engine = await createEngine(engineName);
  const queue = new EvaluationQueue(redis, engineName);
  const worker = new EvaluationWorker(redis, engineHandler(engine), {
    engine: engineName,
    engineDescription: engine.describe(),
    slot: `test-${engineName}`,
  });
  await worker.start();
  try {
    const plan = await planTraining(store, { kind: 'best', runId }, flags[engineName], engineName);
    const training = await submitTraining(store, queue, plan);
    const epochs: number[] = [];
    const done = await watchTraining(store, queue, training.id, { pollMs: 100, onProgress: (p) => epochs.push(p.epoch) });
    // Collected once: the Redis key and the job are gone, and a second collect changes nothing.
    const client = createRedis(redis);
    const jobKey = `${trainingScope(training.id)}.${trainingJobHash(training.ir)}`;
    expect(await client.exists(CHECKPOINT_KEY(redis.prefix, jobKey))).toBe(0);
    client.disconnect();
    expect(await collectTraining(store, queue, training.id)).toEqual(done);
    // Named by row id and content, in the folder beside the SQLite file.
    expect(done.status !== 'ok' || /^training-\d+-[0-9a-f]{16}\.safetensors$/.test(done.checkpointPath ?? '')).toBe(true);
    const file = done.checkpointPath === null ? null : resolveCheckpointFile(done.checkpointPath, store.trainings.checkpointDir);
    return { plan, training, done, epochs, file };
  } finally {
    await worker.close();
    await engine.close?.();
    await queue.close();
  }
}

describe('final training', () => {
  it('plans the final recipe: wider network on native images, SGD Nesterov with scaled lr, cosine, weight decay, crops, no validation hold-out', async () => {
    const plan = await planTraining(store, { kind: 'candidate', candidateId }, { epochs: 15, filters: 32 }, 'torch');
    expect(plan.ir.input.shape).toEqual([28, 28, 1]);
    expect(plan.candidateId).toBe(candidateId);
    expect(plan.task.dataset).toMatchObject({ name: 'fashion-mnist', validationSize: 0 });
    expect(plan.task.recipe).toMatchObject({
      epochs: 15,
      optimizer: 'sgd',
      learningRate: 0.1,
      momentum: 0.9,
      weightDecay: 5e-4,
      lrSchedule: 'cosine',
      augmentation: 'crop',
      batchSize: 128,
    });
    expect(
      (await planTraining(store, { kind: 'candidate', candidateId }, { batchSize: 64 }, 'torch')).task.recipe.learningRate,
    ).toBeCloseTo(0.05, 12);
    const narrow = await planTraining(store, { kind: 'candidate', candidateId }, { filters: 4 }, 'torch');
    expect(plan.params).toBeGreaterThan(narrow.params * 10);
  });

  it('torch: trains through the queue, measures the test split, hands the checkpoint back, and PyTorch loads it into the generated module', async () => {
    const { plan, done, epochs, file } = await trainOn('torch');
    expect(done.status, done.error ?? '').toBe('ok');
    // Progress is polled, so an epoch may finish between two looks; every one seen is a real epoch.
    expect(epochs.every((e) => e === 1 || e === 2)).toBe(true);
    expect(done.curve).toHaveLength(2);
    // Measured on the 100-image test split (the whole pool trained, nothing held out): a whole number of test images.
    expect(done.accuracy! * TEST_IMAGES).toBeCloseTo(Math.round(done.accuracy! * TEST_IMAGES), 9);
    expect(done.accuracy).toBe(done.curve!.at(-1)!.valAccuracy);
    expect(done.curve!.map((r) => r.learningRate)).toEqual([0, 1].map((e) => learningRateAt(plan.task.recipe, e)));
    expect(file).toBe(join(`${dir}/db.sqlite-checkpoints`, done.checkpointPath!));
    expect(existsSync(file!)).toBe(true);

    const module = join(dir, 'network.py');
    const checked = parseIr(plan.ir);
    writeFileSync(module, generateTorchModule(checked).source);
    const python = (await torchPython()).executable;
    const { stdout } = await run(python, ['-B', CHECKPOINT_SCRIPT, module, file!], { timeout: 120_000 });
    const probe = JSON.parse(stdout.trim().split('\n').at(-1)!) as { params: number; metadata: Record<string, string>; finite: boolean };
    expect(probe.params).toBe(networkCost(checked).params);
    expect(probe.metadata).toMatchObject({ format: 'blockqnn-checkpoint/1', engine: 'torch', params: String(plan.params) });
    expect(probe.finite).toBe(true);
  }, 120_000);

  it('tfjs: the same job on the tfjs engine, the same cosine learning rates, a checkpoint PyTorch loads as well', async () => {
    const { plan, done, file } = await trainOn('tfjs');
    expect(done.status, done.error ?? '').toBe('ok');
    expect(done.curve!.map((r) => r.learningRate)).toEqual([0, 1].map((e) => learningRateAt(plan.task.recipe, e)));
    const module = join(dir, 'network-tfjs.py');
    writeFileSync(module, generateTorchModule(parseIr(plan.ir)).source);
    const python = (await torchPython()).executable;
    const { stdout } = await run(python, ['-B', CHECKPOINT_SCRIPT, module, file!], { timeout: 120_000 });
    const probe = JSON.parse(stdout.trim().split('\n').at(-1)!) as { params: number; metadata: Record<string, string> };
    expect(probe.params).toBe(plan.params);
    expect(probe.metadata.engine).toBe('tfjs');
    expect(readCheckpoint(await import('node:fs/promises').then((fs) => fs.readFile(file!))).metadata.params).toBe(String(plan.params));
    expect(done.accuracy! * TEST_IMAGES).toBeCloseTo(Math.round(done.accuracy! * TEST_IMAGES), 9);
  }, 120_000);
});

describe('final training: bad input', () => {
  const message = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      return `${(error as { code?: string }).code}: ${(error as Error).message}`;
    }
    throw new Error('expected a rejection');
  };

  it('names an unknown candidate, run or baseline, and refuses combinations that cannot train', async () => {
    expect(await message(planTraining(store, { kind: 'candidate', candidateId: 999_999 }, {}, 'torch'))).toMatch(
      /NOT_FOUND: no candidate with id 999999/,
    );
    expect(await message(planTraining(store, { kind: 'best', runId: 'no-such-run' }, {}, 'torch'))).toMatch(
      /NOT_FOUND: no run "no-such-run"/,
    );
    expect(await message(planTraining(store, { kind: 'run-candidate', runId, candidate: 'ffffffffffffffff' }, {}, 'torch'))).toMatch(
      /NOT_FOUND: run .* has no candidate ffffffffffffffff/,
    );
    expect(await message(planTraining(store, { kind: 'baseline', name: 'no-such-net' }, { dataset: 'mnist' }, 'torch'))).toMatch(
      /UNKNOWN_NAME.*no-such-net/,
    );
    expect(await message(planTraining(store, { kind: 'baseline', name: 'resnet-20-cifar' }, {}, 'torch'))).toMatch(/needs a dataset/);
    expect(
      await message(planTraining(store, { kind: 'baseline', name: 'resnet-20-cifar' }, { dataset: 'mnist', filters: 64 }, 'torch')),
    ).toMatch(/--filters widens a searched block/);
    expect(await message(planTraining(store, { kind: 'best', runId }, {}, 'table'))).toMatch(/table engine looks accuracies up/);
    const empty = await createRun(store, prepareConfig(buildSearchConfig({}, 'torch')));
    expect(await message(planTraining(store, { kind: 'best', runId: empty.id }, {}, 'torch'))).toMatch(/has no evaluated candidate yet/);
  });

  it('a checkpoint over the job size limit fails the training with the size and the limit, and leaves nothing in Redis', async () => {
    const engine = await createEngine('torch');
    const queue = new EvaluationQueue(redis, 'torch');
    const worker = new EvaluationWorker(redis, engineHandler(engine), {
      engine: 'torch',
      engineDescription: engine.describe(),
      slot: 'test-limit',
    });
    await worker.start();
    try {
      const plan = await planTraining(
        store,
        { kind: 'best', runId },
        { epochs: 1, filters: 4, subset: 40, batchSize: 20, checkpointMaxBytes: 1000 },
        'torch',
      );
      const training = await submitTraining(store, queue, plan);
      const done = await watchTraining(store, queue, training.id, { pollMs: 100 });
      expect(done.status).toBe('failed');
      expect(done.error).toMatch(/checkpoint is .* bytes\), over the job's limit of .*\(1000 bytes\)/);
      expect(done.checkpointPath).toBeNull();
      const client = createRedis(redis);
      expect(await client.keys(`${redis.prefix}:checkpoint:*`)).toEqual([]);
      client.disconnect();
    } finally {
      await worker.close();
      await engine.close?.();
      await queue.close();
    }
  }, 60_000);
});
