/**
 * The torch engine obeys its request's epoch-end decision: the Python trainer
 * sends each epoch's record and waits for continue or stop (only for a job with
 * a decision callback); a real training on MNIST 8×8 is stopped by the median
 * pruner after epoch 1, and the same trainer then takes the next job. A cancel
 * while the trainer waits for a decision stops the job.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TrainingAborted } from '../../../src/engines/engine.js';
import { TorchEngine } from '../../../src/engines/torch/index.js';
import { medianAgainstPerfectRivals, tinyIr, tinyTask } from '../pruning-fixtures.js';
import { torchPython } from './helpers.js';

const never = new AbortController().signal;
let engine: TorchEngine | undefined;
const shared = async () => (engine ??= new TorchEngine({ python: await torchPython() }));
afterAll(async () => {
  await engine?.close();
});

describe('torch engine: pruning at epoch ends', () => {
  it('stops as pruned after epoch 1 when the pruner says so; the trainer takes the next job', async () => {
    const torch = await shared();
    const { asked, shouldContinue } = medianAgainstPerfectRivals(3);
    const outcome = await torch.train({ ir: tinyIr, task: tinyTask(3), seed: 1, shouldContinue }, never, () => {});
    expect(outcome.status).toBe('pruned');
    expect(outcome.curve.map((r) => r.epoch)).toEqual([1]);
    expect(outcome.accuracy).toBe(outcome.curve[0]!.valAccuracy);
    expect(outcome.accuracy).toBeLessThan(1);
    expect(asked.map((r) => r.epoch)).toEqual([1]);
    expect(asked[0]!.valAccuracy).toBe(outcome.curve[0]!.valAccuracy);
    const pid = torch.trainerPid;
    // Without a decision callback the trainer never waits: all epochs, ok.
    const next = await torch.train({ ir: tinyIr, task: tinyTask(2), seed: 1 }, never, () => {});
    expect(next.status).toBe('ok');
    expect(next.curve).toHaveLength(2);
    expect(torch.trainerPid).toBe(pid);
  });

  it('asks after every epoch but the last and trains them all when told to continue; a failing decision continues', async () => {
    const torch = await shared();
    const asked: number[] = [];
    const outcome = await torch.train(
      {
        ir: tinyIr,
        task: tinyTask(3),
        seed: 1,
        shouldContinue: async (r) => {
          asked.push(r.epoch);
          if (r.epoch === 2) throw new Error('board unreachable');
          return true;
        },
      },
      never,
      () => {},
    );
    expect(outcome.status).toBe('ok');
    expect(outcome.curve).toHaveLength(3);
    expect(asked).toEqual([1, 2]);
  });

  it('a cancel while the trainer waits for a decision stops the job, and the trainer stays usable', async () => {
    const torch = await shared();
    const controller = new AbortController();
    const pending = torch.train(
      {
        ir: tinyIr,
        task: tinyTask(3),
        seed: 1,
        shouldContinue: () => {
          setTimeout(() => controller.abort('cancelled'), 100);
          return new Promise<boolean>(() => {});
        },
      },
      controller.signal,
      () => {},
    );
    await expect(pending).rejects.toBeInstanceOf(TrainingAborted);
    const pid = torch.trainerPid;
    expect(pid).toBeDefined();
    expect((await torch.train({ ir: tinyIr, task: tinyTask(2), seed: 1 }, never, () => {})).status).toBe('ok');
    expect(torch.trainerPid).toBe(pid);
  });
});
