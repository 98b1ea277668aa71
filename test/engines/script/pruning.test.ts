/**
 * The script engine obeys TrainRequest.shouldContinue: the worker asks the job's pruner after every epoch
 * of the recipe but the last, answers `stop` when it says prune, and the user's script (the example
 * trainer, real torch on real MNIST 8×8) ends there with status `pruned`, the curve of the epochs it
 * trained and the last one's validation accuracy. A slow answer (a pruning board far away) holds the
 * script before its next epoch; a decision that throws means continue.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EpochRecord } from '../../../src/engines/engine.js';
import { ScriptEngine, readTrainerFile } from '../../../src/engines/script/index.js';
import { PAPER_BLOCKS, assembleNetwork } from '../../../src/search-space/index.js';
import { parseTask } from '../../../src/task/task.js';
import { torchPython } from '../torch/helpers.js';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/custom-trainer/train.py');
const ir = assembleNetwork(PAPER_BLOCKS.resnet, { inputShape: [8, 8, 1], classes: 10, blocksPerStage: 1, baseFilters: 4, stages: 2 }).ir;
const task = parseTask({
  kind: 'classification',
  dataset: { name: 'mnist', subset: 200, validationSize: 100, imageSize: 8 },
  recipe: { epochs: 4, batchSize: 50, learningRate: 0.01 },
  trainer: { sha256: readTrainerFile(EXAMPLE).sha256 },
});
const never = new AbortController().signal;

describe("script engine: epoch-end decisions of the job's pruner", () => {
  it('stops the script as pruned when the decision says so, after a slow answer, with the epochs it trained', async () => {
    const engine = new ScriptEngine({ python: await torchPython(), trainer: EXAMPLE, env: process.env });
    const asked: number[] = [];
    const answeredAt: number[] = [];
    const shouldContinue = async (record: EpochRecord) => {
      asked.push(record.epoch);
      expect(Number.isFinite(record.valAccuracy)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 300)); // a board far away: the script must wait for it
      answeredAt.push(performance.now());
      return record.epoch < 2;
    };
    const progressAt: number[] = [];
    const outcome = await engine.train({ ir, task, seed: 3, timeLimitSeconds: 120, shouldContinue }, never, () =>
      progressAt.push(performance.now()),
    );
    expect(outcome.status, outcome.error).toBe('pruned');
    expect(asked).toEqual([1, 2]);
    expect(outcome.curve.map((r) => r.epoch)).toEqual([1, 2]);
    expect(outcome.accuracy).toBe(outcome.curve[1]!.valAccuracy);
    // Epoch 2 was reported only after epoch 1's answer: the script waited for it.
    expect(progressAt[1]!).toBeGreaterThan(answeredAt[0]!);
    expect(outcome.trainSeconds).toBeGreaterThan(0);
  });

  it('never asks after the last epoch; a decision that throws means continue', async () => {
    const engine = new ScriptEngine({ python: await torchPython(), trainer: EXAMPLE, env: process.env });
    const asked: number[] = [];
    const shouldContinue = async (record: EpochRecord) => {
      asked.push(record.epoch);
      if (record.epoch === 2) throw new Error('board broke');
      return true;
    };
    const outcome = await engine.train({ ir, task, seed: 3, timeLimitSeconds: 120, shouldContinue }, never, () => {});
    expect(outcome.status, outcome.error).toBe('ok');
    expect(asked).toEqual([1, 2, 3]);
    expect(outcome.curve).toHaveLength(4);
  });
});
