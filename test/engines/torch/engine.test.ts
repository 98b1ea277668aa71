/**
 * The torch engine on real MNIST: the recipe's epochs, schedule and progress;
 * one trainer process reused across jobs; statuses diverged and too_large;
 * cancellation; a trainer that dies or prints garbage answers its job with a
 * failed outcome naming the cause and the next job runs on a fresh trainer.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EpochProgress } from '../../../src/engines/engine.js';
import { TrainingAborted } from '../../../src/engines/engine.js';
import { TorchEngine } from '../../../src/engines/torch/index.js';
import { INPUT_ID, IrBuilder, PAPER_BLOCKS, assembleNetwork } from '../../../src/search-space/index.js';
import { parseTask } from '../../../src/task/task.js';
import { FIXTURES, torchPython } from './helpers.js';

const ir = assembleNetwork(PAPER_BLOCKS.resnet, { inputShape: [8, 8, 1], classes: 10, blocksPerStage: 1, baseFilters: 4, stages: 2 }).ir;
const task = (recipe: Record<string, unknown> = {}, imageSize = 8, subset = 200) =>
  parseTask({
    kind: 'classification',
    dataset: { name: 'mnist', subset, validationSize: 100, imageSize },
    recipe: { epochs: 2, batchSize: 50, ...recipe },
  });
const never = new AbortController().signal;
const engines: TorchEngine[] = [];
let shared: TorchEngine | undefined;
/** One engine (one trainer process) for the tests that do not break it on purpose: each start imports torch anew. */
const sharedEngine = async () => (shared ??= await newEngine());
const newEngine = async (options: Partial<ConstructorParameters<typeof TorchEngine>[0]> = {}) => {
  const engine = new TorchEngine({ python: await torchPython(), ...options });
  engines.push(engine);
  return engine;
};
afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
});

describe('torch engine: the early-stop recipe on real MNIST', () => {
  it('trains with the step schedule, streams progress, and reuses one trainer process', async () => {
    const engine = await sharedEngine();
    expect(engine.describe()).toMatch(/^torch \d+\.\d+.* via .*python.* \(Python 3\.\d+\.\d+, (cpu|cuda.*)\)$/);
    const progress: EpochProgress[] = [];
    const outcome = await engine.train(
      { ir, task: task({ lrDecay: { factor: 0.2, every: 1 }, augmentation: 'crop' }), seed: 3 },
      never,
      (p) => progress.push(p),
    );
    expect(outcome.status).toBe('ok');
    expect(outcome.curve.map((r) => [r.epoch, r.learningRate])).toEqual([
      [1, 1e-3],
      [2, 1e-3 * 0.2],
    ]);
    expect(outcome.accuracy).toBe(outcome.curve[1]!.valAccuracy);
    // Accuracies are multiples of 1/100 on a 100-image validation split.
    expect(Math.abs(outcome.accuracy! * 100 - Math.round(outcome.accuracy! * 100))).toBeLessThan(1e-9);
    expect(progress.map((p) => [p.epoch, p.epochs])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(progress.every((p) => p.imagesPerSecond > 0 && Number.isFinite(p.loss) && p.loss > 0)).toBe(true);
    expect(outcome.extra?.params).toBeGreaterThan(0);
    expect(engine.describe()).toContain(engine.trainerInfo!.deviceDescription);
    const pid = engine.trainerPid;
    const again = await engine.train(
      { ir, task: task({ lrDecay: { factor: 0.2, every: 1 }, augmentation: 'crop' }), seed: 3 },
      never,
      () => {},
    );
    expect(engine.trainerPid).toBe(pid);
    // Same seed, same device: the same run.
    expect(again.curve.map((r) => r.loss)).toEqual(outcome.curve.map((r) => r.loss));
  });

  it('a non-finite loss stops training as diverged, as in the tfjs engine', async () => {
    const b = new IrBuilder('explodes', [8, 8, 1]);
    const logits = b.dense(b.dense(b.dense(b.flatten(INPUT_ID), { units: 64 }), { units: 64 }), { units: 10 });
    const outcome = await (
      await sharedEngine()
    ).train({ ir: b.build(logits).ir, task: task({ optimizer: 'sgd', learningRate: 10 }), seed: 1 }, never, () => {});
    expect(outcome.status).toBe('diverged');
    expect(outcome.error).toMatch(/^loss became (NaN|-?Infinity) in epoch \d$/);
    expect(outcome.curve.at(-1)!.valAccuracy).toBeNaN();
  });

  it('a network too large for memory is too_large, and the same trainer takes the next job', async () => {
    const engine = await sharedEngine();
    const b = new IrBuilder('huge', [16, 16, 1]);
    // 50 images x 2,000,000 channels x 16 x 16 floats = 102 GB of activations: the allocation fails at once.
    const huge = b.build(b.dense(b.globalAvgPool(b.conv(INPUT_ID, { filters: 2_000_000, kernel: 3, padding: 1 })), { units: 10 })).ir;
    const outcome = await engine.train({ ir: huge, task: task({}, 16), seed: 1 }, never, () => {});
    expect(outcome.status).toBe('too_large');
    expect(outcome.error).toMatch(/out of memory on (cpu|cuda)/);
    const pid = engine.trainerPid;
    expect((await engine.train({ ir, task: task(), seed: 1 }, never, () => {})).status).toBe('ok');
    expect(engine.trainerPid).toBe(pid);
  });

  it('cancellation stops the job within a step; the trainer stays and takes the next job', async () => {
    const engine = await sharedEngine();
    const controller = new AbortController();
    const started = performance.now();
    const job = engine.train({ ir, task: task({ epochs: 50 }, 8, 1000), seed: 1 }, controller.signal, (p) => {
      if (p.epoch === 1) controller.abort('cancelled by the test');
    });
    await expect(job).rejects.toBeInstanceOf(TrainingAborted);
    expect(performance.now() - started).toBeLessThan(30_000);
    const pid = engine.trainerPid;
    expect(pid).toBeDefined();
    expect((await engine.train({ ir, task: task(), seed: 1 }, never, () => {})).status).toBe('ok');
    expect(engine.trainerPid).toBe(pid);
    const early = new AbortController();
    early.abort('before it starts');
    await expect(engine.train({ ir, task: task(), seed: 1 }, early.signal, () => {})).rejects.toBeInstanceOf(TrainingAborted);
  });

  it('a trainer that dies mid-job fails the job with a clear error; the next job gets a fresh trainer', async () => {
    const engine = await sharedEngine();
    await engine.train({ ir, task: task(), seed: 1 }, never, () => {});
    const pid = engine.trainerPid!;
    const job = engine.train({ ir, task: task({ epochs: 50 }, 8, 1000), seed: 1 }, never, (p) => {
      if (p.epoch === 1) process.kill(pid, 'SIGKILL');
    });
    const outcome = await job;
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(new RegExp(`the torch trainer \\(pid ${pid}\\) was killed by SIGKILL while training job`));
    expect((await engine.train({ ir, task: task(), seed: 1 }, never, () => {})).status).toBe('ok');
    expect(engine.trainerPid).not.toBe(pid);
  });

  it('a trainer that prints garbage on stdout fails the job with the line it printed; the next job works', async () => {
    const marker = path.join(mkdtempSync(path.join(tmpdir(), 'blockqnn-torch-')), 'garbage-printed');
    const engine = await newEngine({
      script: path.join(FIXTURES, 'garbage_trainer.py'),
      env: { ...process.env, BLOCKQNN_TEST_MARKER: marker },
    });
    const outcome = await engine.train({ ir, task: task(), seed: 1 }, never, () => {});
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(/^INTERNAL: .*wrote a line that is not the JSON-lines protocol: "epoch 1\/2 \.\.\. loss 2\.30/);
    expect((await engine.train({ ir, task: task(), seed: 1 }, never, () => {})).status).toBe('ok');
  });

  it('answers a network whose input or output does not fit the dataset with a failed outcome', async () => {
    const engine = await sharedEngine();
    const wrongInput = assembleNetwork(PAPER_BLOCKS.resnet, {
      inputShape: [16, 16, 3],
      classes: 10,
      blocksPerStage: 1,
      baseFilters: 4,
      stages: 2,
    }).ir;
    expect(await engine.train({ ir: wrongInput, task: task(), seed: 1 }, never, () => {})).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/expects \[16, 16, 3\] images but dataset mnist has \[8, 8, 1\]/),
    });
    const wrongClasses = assembleNetwork(PAPER_BLOCKS.resnet, {
      inputShape: [8, 8, 1],
      classes: 7,
      blocksPerStage: 1,
      baseFilters: 4,
      stages: 2,
    }).ir;
    expect(await engine.train({ ir: wrongClasses, task: task(), seed: 1 }, never, () => {})).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^INVALID_ARCHITECTURE: /),
    });
  });
});
