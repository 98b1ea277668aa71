/**
 * A short real search over generator blocks (issue #9): NSC blocks become the stages of
 * the pix2pix U-Net generator, trained by the torch engine on MNIST amodal-completion
 * examples through real Redis and a real SQLite file, beside the SeGAN and U-Net
 * baselines of the same task, each with its own procedure. Every candidate's accuracy
 * is the task's score (the invisible-region IoU), its other metrics and its sample grid
 * are stored with it, and the reward is shaped from the generator's FLOPs as for classifiers.
 */
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import { rewardOptions, shapedReward } from '../../src/controller/index.js';
import { TorchEngine } from '../../src/engines/torch/index.js';
import type { SearchConfigInput } from '../../src/orchestrator/config.js';
import { createRun, prepareConfig, runController } from '../../src/orchestrator/session.js';
import { EvaluationWorker } from '../../src/queue/evaluation-worker.js';
import { openStore } from '../../src/store/index.js';
import { parseTask, taskKey } from '../../src/task/task.js';
import { engineHandler } from '../../src/worker/handler.js';
import { sqliteBackend } from '../store/backends.js';
import { deletePrefix, testRedisSettings } from '../helpers/redis.js';
import { torchPython } from '../engines/torch/helpers.js';

const BUDGET = 3;
const task = parseTask({
  kind: 'image2image',
  problem: 'amodal-completion',
  procedure: 'pix2pix',
  dataset: { name: 'mnist' },
  imageSize: 16,
  examples: { train: 128, eval: 32 },
  recipe: { epochs: 3, batchSize: 16, learningRate: 2e-3 },
});
const config = (extra: Partial<SearchConfigInput> = {}): SearchConfigInput => ({
  name: 'generator-search',
  space: 'nsc',
  strategy: 'random',
  engine: 'torch',
  task,
  taskKey: taskKey(task, 'torch'),
  network: { inputShape: [16, 16, 1], classes: 10, blocksPerStage: 1, baseFilters: 4, stages: 2 },
  maxIndex: 4,
  budget: { candidates: BUDGET },
  maxInFlight: 2,
  seed: 5,
  reuseResults: false,
  ...extra,
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('search over generator blocks (amodal completion, torch engine)', () => {
  it('trains each searched generator and each baseline with its procedure, and stores score, metrics and sample grid', async () => {
    const db = await sqliteBackend.create();
    const store = await openStore(db.url);
    const redis = testRedisSettings('i2i-search');
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
    const cfg = prepareConfig(config({ baselines: { names: ['all'], width: 0.25 } }));
    expect(cfg.baselines.names).toEqual(['dla-up', 'segan', 'unet-pix2pix']);
    const run = await createRun(store, cfg);
    expect(await runController(run.id, { store, redis, log: () => {}, controllerId: 'test' })).toBe('finished');

    const searched = (await store.listCandidates(run.id, { limit: 100 })).items;
    expect(searched).toHaveLength(BUDGET);
    const baselines = await store.listBaselines(run.id);
    expect(baselines.map((b) => b.baseline).sort()).toEqual(['dla-up', 'segan', 'unet-pix2pix']);
    for (const c of [...searched, ...baselines]) {
      expect(c.status, `${c.nsc}: ${c.error}`).toBe('ok');
      expect(c.accuracy).toBeGreaterThanOrEqual(0);
      expect(c.accuracy).toBeLessThanOrEqual(1);
      expect(c.metrics).toMatchObject({ invisibleIoU: expect.closeTo(c.accuracy!, 12), invisibleL1: expect.any(Number) });
      expect(c.flops).toBeGreaterThan(0);
      // One curve point per epoch: the generators' objective as the loss, the score at the last epoch.
      expect(c.curve!.map((p) => p.epoch)).toEqual([1, 2, 3]);
      expect(c.curve!.every((p) => Number.isFinite(p.loss) && p.loss! > 0)).toBe(true);
      expect(c.curve!.at(-1)!.valAccuracy).toBeCloseTo(c.accuracy!, 12);
      const grid = await store.candidateSamples(run.id, c.hash);
      expect(grid!.rows).toEqual(['input (occluded)', 'output image', 'target image', 'output mask', 'target mask']);
      const png = PNG.sync.read(Buffer.from(grid!.pngBase64, 'base64'));
      expect([png.width, png.height]).toEqual([8 * 17 - 1, 5 * 17 - 1]);
    }
    // The reward shapes the score by the generator's cost, as for a classifier's accuracy.
    for (const c of searched) {
      expect(c.reward).toBeCloseTo(
        shapedReward({ accuracy: c.accuracy!, flops: c.flops, density: c.density }, rewardOptions(cfg.reward)),
        12,
      );
    }
    // A searched generator is built from its block: the stored NSC parses back to the candidate.
    expect(searched.every((c) => /^\(1,/.test(c.nsc!))).toBe(true);
  }, 600_000);

  it('refuses a search whose procedure is not pix2pix, naming the baselines to compare with', () => {
    const segan = parseTask({ ...task, procedure: 'segan' });
    expect(() => prepareConfig(config({ task: segan, taskKey: taskKey(segan, 'torch') }))).toThrow(/trains them with pix2pix.*segan/);
    // A run of baselines alone may use any procedure: synthesis has no generator to search, only WINN.
    const winn = parseTask({
      kind: 'image2image',
      problem: 'introspective-synthesis',
      procedure: 'winn-synthesis',
      dataset: { name: 'mnist' },
    });
    expect(() => prepareConfig(config({ task: winn, taskKey: taskKey(winn, 'torch') }))).toThrow(
      /trains them with pix2pix.*winn-synthesis/,
    );
    expect(
      prepareConfig(
        config({ task: winn, taskKey: taskKey(winn, 'torch'), budget: { candidates: 0 }, baselines: { names: ['all'], width: 0.25 } }),
      ).baselines.names,
    ).toEqual(['winn-synthesis']);
  });
});
