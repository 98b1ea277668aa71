/**
 * A short real search with the optional NSC layer types: `nscTypes: ['se', 'dpp']`
 * and DPP between the stages (`network.downsample`), random search over tiny
 * blocks, the torch engine training every candidate on 8×8 MNIST through real
 * Redis and a real SQLite file. The search proposes SE (type 8) and DPP (type 9)
 * layers, their networks carry SE's channel scaling and DPP nodes, and every one
 * trains; the same configuration without the option proposes neither.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TorchEngine } from '../../src/engines/torch/index.js';
import type { SearchConfigInput } from '../../src/orchestrator/config.js';
import { candidatesFor, createRun, prepareConfig, runController, spaceFor } from '../../src/orchestrator/session.js';
import { EvaluationWorker } from '../../src/queue/evaluation-worker.js';
import { randomEpisode } from '../../src/controller/index.js';
import { Sfc32 } from '../../src/controller/rng.js';
import { openStore } from '../../src/store/index.js';
import { parseTask, taskKey } from '../../src/task/task.js';
import { engineHandler } from '../../src/worker/handler.js';
import { sqliteBackend } from '../store/backends.js';
import { deletePrefix, testRedisSettings } from '../helpers/redis.js';
import { torchPython } from '../engines/torch/helpers.js';

const BUDGET = 8;
const task = parseTask({
  kind: 'classification',
  dataset: { name: 'mnist', subset: 120, validationSize: 60, imageSize: 8 },
  recipe: { epochs: 1, batchSize: 20, learningRate: 0.01 },
});
const config = (extra: Partial<SearchConfigInput> = {}): SearchConfigInput => ({
  name: 'nsc-types',
  space: 'nsc',
  strategy: 'random',
  engine: 'torch',
  task,
  taskKey: taskKey(task, 'torch'),
  network: { inputShape: [8, 8, 1], classes: 10, blocksPerStage: 1, baseFilters: 4, stages: 2, downsample: 'dpp-lite-s3-sym' },
  maxIndex: 4,
  budget: { candidates: BUDGET },
  maxInFlight: 4,
  seed: 3,
  reuseResults: false,
  ...extra,
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const types = (nsc: string): number[] => [...nsc.matchAll(/\(\d+,(\d+),/g)].map((m) => Number(m[1]));

describe('search with the optional NSC types se and dpp', () => {
  it('proposes SE and DPP layers, builds and trains them, with DPP between the stages', async () => {
    const db = await sqliteBackend.create();
    const store = await openStore(db.url);
    const redis = testRedisSettings('nsc-types');
    const engine = new TorchEngine({ python: await torchPython() });
    const worker = new EvaluationWorker(redis, engineHandler(engine), {
      engine: 'torch',
      engineDescription: engine.describe(),
      slot: 'cpu0',
      concurrency: 1,
    });
    await worker.start();
    cleanups.push(async () => {
      await worker.close(100);
      await engine.close();
      await store.close();
      await db.drop();
      await deletePrefix(redis);
    });
    const cfg = prepareConfig(config({ nscTypes: ['se', 'dpp'] }));
    const run = await createRun(store, cfg);
    expect(await runController(run.id, { store, redis, log: () => {}, controllerId: 'test' })).toBe('finished');
    const items = (await store.listCandidates(run.id, { limit: 100 })).items;
    expect(items).toHaveLength(BUDGET);
    expect(items.map((c) => c.status)).toEqual(Array(BUDGET).fill('ok'));
    const used = new Set(items.flatMap((c) => types(c.nsc!)));
    expect(used.has(8) && used.has(9), `types used: ${[...used]}`).toBe(true);
    // The IRs the workers trained: SE's channel scaling where type 8 is, DPP nodes in blocks and between the stages.
    const factory = candidatesFor(cfg);
    for (const c of items) {
      const ops = factory.materialize(c.nsc!).ir!.nodes;
      expect(ops.find((n) => n.id === 'pool1')?.op).toBe('dpp');
      if (types(c.nsc!).includes(8)) expect(ops.some((n) => n.op === 'channelScale')).toBe(true);
      if (types(c.nsc!).includes(9)) expect(ops.filter((n) => n.op === 'dpp').length).toBeGreaterThan(1);
    }
  }, 120_000);

  it('without the option the same search space never proposes them, and a stored code with them is rejected naming the option', () => {
    const plain = spaceFor(prepareConfig(config()));
    const extended = spaceFor(prepareConfig(config({ nscTypes: ['se', 'dpp'] })));
    const rng = Sfc32.fromSeed(1);
    const sampled = (space: typeof plain) =>
      Array.from({ length: 200 }, () => space.keyOf(space.candidateOf(randomEpisode(space, rng).state)) as string);
    expect(new Set(sampled(plain).flatMap(types)).has(8) || new Set(sampled(plain).flatMap(types)).has(9)).toBe(false);
    const extendedTypes = new Set(sampled(extended).flatMap(types));
    expect(extendedTypes.has(8) && extendedTypes.has(9)).toBe(true);
    expect(() => candidatesFor(prepareConfig(config())).materialize('(1,8,0,0,0)(2,7,0,0,0)')).toThrow(
      /type 8 \(se\) is an optional layer type and is not enabled/,
    );
  });
});
