import { describe, expect, it } from 'vitest';
import type { EpochProgress } from '../../../src/engines/engine.js';
import { tfjsEngineFactory } from '../../../src/engines/tfjs/engine.js';
import { TrainingAborted } from '../../../src/engines/engine.js';
import { PAPER_BLOCKS, assembleNetwork } from '../../../src/search-space/index.js';
import { parseTask } from '../../../src/task/task.js';

const ir = assembleNetwork(PAPER_BLOCKS.resnet, { inputShape: [8, 8, 1], classes: 10, blocksPerStage: 1, baseFilters: 4, stages: 2 }).ir;
const task = (recipe: Record<string, unknown>) =>
  parseTask({
    kind: 'classification',
    dataset: { name: 'mnist', subset: 200, validationSize: 100, imageSize: 8 },
    recipe: { epochs: 2, batchSize: 50, ...recipe },
  });

describe('tfjs engine: the early-stop recipe on real MNIST', () => {
  it('trains epochs with the step schedule, reports progress and a validation accuracy', async () => {
    const engine = await tfjsEngineFactory.create();
    expect(engine.describe()).toMatch(/^tfjs 4\.\d+\.\d+ via @tensorflow\/tfjs/);
    const progress: EpochProgress[] = [];
    const outcome = await engine.train(
      { ir, task: task({ lrDecay: { factor: 0.2, every: 1 } }), seed: 3 },
      new AbortController().signal,
      (p) => progress.push(p),
    );
    expect(outcome.status).toBe('ok');
    expect(outcome.curve.map((r) => r.epoch)).toEqual([1, 2]);
    expect(outcome.curve[0]!.learningRate).toBeCloseTo(1e-3);
    expect(outcome.curve[1]!.learningRate).toBeCloseTo(2e-4);
    expect(outcome.accuracy).toBe(outcome.curve[1]!.valAccuracy);
    expect(outcome.accuracy).toBeGreaterThanOrEqual(0);
    expect(outcome.accuracy).toBeLessThanOrEqual(1);
    // Accuracies are multiples of 1/100 on a 100-image validation split.
    expect(Math.abs(outcome.accuracy! * 100 - Math.round(outcome.accuracy! * 100))).toBeLessThan(1e-9);
    expect(progress.map((p) => p.epoch)).toEqual([1, 2]);
    expect(progress[0]!.epochs).toBe(2);
    expect(progress[0]!.imagesPerSecond).toBeGreaterThan(0);
    expect(outcome.curve.every((r) => Number.isFinite(r.loss) && r.loss > 0)).toBe(true);
  });

  it('stops within a step when the signal aborts', async () => {
    const engine = await tfjsEngineFactory.create();
    const controller = new AbortController();
    controller.abort('cancelled');
    await expect(engine.train({ ir, task: task({}), seed: 1 }, controller.signal, () => {})).rejects.toBeInstanceOf(TrainingAborted);
  });

  it('answers a network whose input does not match the dataset with a failed outcome naming the cause', async () => {
    const engine = await tfjsEngineFactory.create();
    const wrong = assembleNetwork(PAPER_BLOCKS.resnet, {
      inputShape: [16, 16, 3],
      classes: 10,
      blocksPerStage: 1,
      baseFilters: 4,
      stages: 2,
    }).ir;
    const outcome = await engine.train({ ir: wrong, task: task({}), seed: 1 }, new AbortController().signal, () => {});
    expect(outcome).toMatchObject({ status: 'failed', accuracy: null, curve: [] });
    expect(outcome.error).toMatch(/^INVALID_ARCHITECTURE: the network expects \[16, 16, 3\] images but dataset mnist has \[8, 8, 1\]/);
  });
});
