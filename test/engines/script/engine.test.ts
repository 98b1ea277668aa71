/**
 * The script engine on real runs: real user scripts (the example trainer and the
 * fixtures beside this file) in real Python with torch, on real MNIST (8×8, 200
 * training and 100 validation images). Each status of the built-in engines, the
 * failure messages a user reads, cancellation and the time limit killing the whole
 * process group, and one engine taking the next job after every kind of failure.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type EpochProgress, TrainingAborted } from '../../../src/engines/engine.js';
import { ScriptEngine, readTrainerFile } from '../../../src/engines/script/index.js';
import { PAPER_BLOCKS, assembleNetwork } from '../../../src/search-space/index.js';
import { parseTask } from '../../../src/task/task.js';
import { eventually } from '../../helpers/redis.js';
import { torchPython } from '../torch/helpers.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/custom-trainer/train.py');
const fixture = (name: string) => path.join(FIXTURES, name);

const ir = assembleNetwork(PAPER_BLOCKS.resnet, { inputShape: [8, 8, 1], classes: 10, blocksPerStage: 1, baseFilters: 4, stages: 2 }).ir;
const task = (trainer: string, recipe: Record<string, unknown> = {}) =>
  parseTask({
    kind: 'classification',
    dataset: { name: 'mnist', subset: 200, validationSize: 100, imageSize: 8 },
    recipe: { epochs: 1, batchSize: 50, learningRate: 0.01, ...recipe },
    trainer: { sha256: readTrainerFile(trainer).sha256 },
  });
const never = new AbortController().signal;
const scratch = mkdtempSync(path.join(tmpdir(), 'blockqnn-script-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function engineFor(trainer: string, env: NodeJS.ProcessEnv = {}, cancelGraceMs?: number): Promise<ScriptEngine> {
  return new ScriptEngine({
    python: await torchPython(),
    trainer,
    env: { ...process.env, ...env },
    ...(cancelGraceMs ? { cancelGraceMs } : {}),
  });
}

/** Whether a process runs (a killed one may linger as a zombie until reaped). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('script engine: user training code on real MNIST', () => {
  it('trains with the example trainer (AdamW, label smoothing, crops): per-epoch progress, the reported accuracy, extra metrics', async () => {
    const engine = await engineFor(EXAMPLE);
    expect(engine.describe()).toMatch(
      /^script train\.py \(sha256 [0-9a-f]{12}\) with torch \d+\.\d+.* via .*python.* \(Python 3\.\d+\.\d+, (cpu|cuda.*)\)$/,
    );
    const progress: EpochProgress[] = [];
    const outcome = await engine.train({ ir, task: task(EXAMPLE, { epochs: 2 }), seed: 3, timeLimitSeconds: 120 }, never, (p) =>
      progress.push(p),
    );
    expect(outcome.status, outcome.error).toBe('ok');
    expect(outcome.curve.map((r) => r.epoch)).toEqual([1, 2]);
    expect(progress.map((p) => [p.epoch, p.epochs])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(progress.every((p) => Number.isFinite(p.loss) && p.loss > 0 && p.imagesPerSecond > 0)).toBe(true);
    // The script reports the final accuracy after its last evaluation: the same model on the same 100 images.
    expect(outcome.accuracy).toBe(outcome.curve[1]!.valAccuracy);
    expect(Math.abs(outcome.accuracy! * 100 - Math.round(outcome.accuracy! * 100))).toBeLessThan(1e-9);
    expect(outcome.extra).toEqual({ best_val_accuracy: Math.max(...outcome.curve.map((r) => r.valAccuracy)), params: expect.any(Number) });
    expect(outcome.extra!.params).toBeGreaterThan(0);
    // Warm-up then cosine: the first epoch starts below the recipe's rate, the second below the first.
    expect(outcome.curve[0]!.learningRate).toBeGreaterThan(0);
    expect(outcome.curve[1]!.learningRate).toBeLessThan(0.01);
    expect(outcome.trainSeconds).toBeGreaterThan(0);
    expect(outcome.imagesPerSecond).toBeGreaterThan(0);
  });

  it("gives the script the recipe's batches over the dataset cache and records its extra metrics", async () => {
    const engine = await engineFor(fixture('metrics.py'));
    const outcome = await engine.train({ ir, task: task(fixture('metrics.py'), { epochs: 2 }), seed: 1 }, never, () => {});
    expect(outcome.status, outcome.error).toBe('ok');
    // 200 training images a pass, 100 validation images: the dataset spec's split, read from the cache.
    expect(outcome.extra).toMatchObject({ images_seen: 400, val_images: 100 });
    expect(outcome.curve.map((r) => r.learningRate)).toEqual([0.05, 0.05]);
    expect(outcome.curve.every((r) => Number.isNaN(r.trainAccuracy))).toBe(true); // not reported: null in the result
  });

  it("a crash fails the job with the exception and the tail of the script's stderr", async () => {
    const outcome = await (await engineFor(fixture('crash.py'))).train({ ir, task: task(fixture('crash.py')), seed: 1 }, never, () => {});
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(
      /^trainer crash\.py raised ValueError: user bug 42 in the training loop\n--- the script's stderr, last lines ---\n/,
    );
    expect(outcome.error).toContain('loading my augmentation tables');
    expect(outcome.error).toMatch(/Traceback[\s\S]*crash\.py", line 9[\s\S]*ValueError: user bug 42/);
    expect(outcome.error!.length).toBeLessThanOrEqual(4000);
  });

  it('a script that never reports fails, saying what it must call; one that never connects says so too', async () => {
    const silent = await (await engineFor(fixture('silent.py'))).train({ ir, task: task(fixture('silent.py')), seed: 1 }, never, () => {});
    expect(silent.status).toBe('failed');
    expect(silent.error).toMatch(
      /^trainer silent\.py exited without reporting a final accuracy: call trial\.report_final\(accuracy\) when training ends\n--- the script's stdout, last lines ---\nI was given 1 epochs and will use none$/,
    );
    const stranger = await (
      await engineFor(fixture('no_helper.py'))
    ).train({ ir, task: task(fixture('no_helper.py')), seed: 1 }, never, () => {});
    expect(stranger.status).toBe('failed');
    expect(stranger.error).toMatch(
      /^trainer no_helper\.py exited without connecting to blockqnn: a trainer must call blockqnn_trial\.current\(\)/,
    );
  });

  it('garbage on the protocol channel fails the job at once with the line, and the script is killed', async () => {
    const started = performance.now();
    const outcome = await (
      await engineFor(fixture('garbage.py'))
    ).train({ ir, task: task(fixture('garbage.py')), seed: 1 }, never, () => {});
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(
      /^trainer garbage\.py wrote a line on the blockqnn_trial channel that is not the protocol: not JSON: "epoch 1\/2 \.\.\. loss 2\.30"/,
    );
    expect(performance.now() - started).toBeLessThan(30_000); // not the script's 60 s sleep
  });

  it('a non-finite loss is diverged: the worker answers "stop", report_epoch raises Stopped and the script ends', async () => {
    const marker = path.join(scratch, 'stopped-reason');
    const progress: EpochProgress[] = [];
    const outcome = await (
      await engineFor(fixture('nan_loss.py'), { BLOCKQNN_TEST_MARKER: marker })
    ).train({ ir, task: task(fixture('nan_loss.py')), seed: 1 }, never, (p) => progress.push(p));
    expect(outcome.status).toBe('diverged');
    expect(outcome.error).toBe('loss became NaN in epoch 2');
    expect(outcome.accuracy).toBeNull();
    expect(outcome.curve.map((r) => r.epoch)).toEqual([1, 2]);
    expect(outcome.curve[1]!.loss).toBeNaN();
    expect(progress).toHaveLength(2);
    expect(readFileSync(marker, 'utf8')).toBe('loss became NaN in epoch 2');
    const infinite = await (
      await engineFor(fixture('nan_accuracy.py'))
    ).train({ ir, task: task(fixture('nan_accuracy.py')), seed: 1 }, never, () => {});
    expect(infinite).toMatchObject({ status: 'diverged', error: 'the reported accuracy is Infinity', accuracy: null });
  });

  it('CUDA out of memory is too_large, whether the helper sees the exception or only stderr shows it', async () => {
    const raised = await (await engineFor(fixture('oom.py'))).train({ ir, task: task(fixture('oom.py')), seed: 1 }, never, () => {});
    expect(raised.status).toBe('too_large');
    expect(raised.error).toMatch(/^trainer oom\.py raised OutOfMemoryError: CUDA out of memory\. Tried to allocate 20\.00 GiB/);
    const caught = await (
      await engineFor(fixture('oom_caught.py'))
    ).train({ ir, task: task(fixture('oom_caught.py')), seed: 1 }, never, () => {});
    expect(caught.status).toBe('too_large');
    expect(caught.error).toMatch(/^trainer oom_caught\.py ran out of memory and exited with code 1\n[\s\S]*giving up: CUDA out of memory/);
  });

  it('a percentage where a fraction belongs fails at the call, with the fix', async () => {
    const outcome = await (
      await engineFor(fixture('percent.py'))
    ).train({ ir, task: task(fixture('percent.py')), seed: 1 }, never, () => {});
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toContain(
      'raised ValueError: blockqnn_trial: val_accuracy must be a fraction in [0, 1], got 87.5 (report 0.87, not 87)',
    );
  });
});

describe('script engine: cancellation, time limit, and the slot going on', () => {
  it('cancellation kills the script and everything it started (its process group) after the grace period', async () => {
    const pids = path.join(scratch, 'cancel-pids');
    const engine = await engineFor(fixture('hang.py'), { BLOCKQNN_TEST_PIDS: pids }, 500);
    const controller = new AbortController();
    const job = engine.train({ ir, task: task(fixture('hang.py')), seed: 1, timeLimitSeconds: 600 }, controller.signal, () => {});
    const [script, grandchild, secondsLeft] = (
      await eventually(() => (existsSync(pids) ? readFileSync(pids, 'utf8').trim() : undefined), 60_000, 'the script to start')
    ).split(' ');
    // The job file carried the time limit: the script sees it counting down.
    expect(Number(secondsLeft)).toBeGreaterThan(500);
    expect(Number(secondsLeft)).toBeLessThanOrEqual(600);
    expect(running(Number(script))).toBe(true);
    expect(running(Number(grandchild))).toBe(true);
    controller.abort('cancelled');
    await expect(job).rejects.toBeInstanceOf(TrainingAborted);
    await eventually(
      () => (!running(Number(script)) && !running(Number(grandchild)) ? true : undefined),
      10_000,
      'the script and its grandchild to be gone',
    );
  });

  it('a script watching trial.should_stop() stops by itself on a cancel, before the kill', async () => {
    const marker = path.join(scratch, 'cooperated');
    const engine = await engineFor(fixture('hang.py'), { BLOCKQNN_TEST_COOPERATE: marker }, 60_000);
    const controller = new AbortController();
    const started = performance.now();
    const job = engine.train({ ir, task: task(fixture('hang.py')), seed: 1 }, controller.signal, () => {});
    setTimeout(() => controller.abort('cancelled'), 4_000);
    await expect(job).rejects.toBeInstanceOf(TrainingAborted);
    expect(readFileSync(marker, 'utf8')).toBe('stopped\n');
    expect(performance.now() - started).toBeLessThan(50_000); // well before the 60 s grace
  });

  it('the time limit aborts a script that never reports; the engine reports the abort with its reason', async () => {
    const pids = path.join(scratch, 'timeout-pids');
    const engine = await engineFor(fixture('hang.py'), { BLOCKQNN_TEST_PIDS: pids }, 500);
    // The worker aborts the signal with "time-limit" when the job's time is up (evaluation-worker.ts).
    const error = await engine
      .train({ ir, task: task(fixture('hang.py')), seed: 1, timeLimitSeconds: 3 }, timeLimit(3_000), () => {})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingAborted);
    expect((error as TrainingAborted).reason).toBe('time-limit');
    const [script, grandchild] = readFileSync(pids, 'utf8').trim().split(' ').map(Number);
    await eventually(() => (!running(script!) && !running(grandchild!) ? true : undefined), 10_000, 'the timed-out script to be gone');
  });

  it('one engine takes the next job after a crash, garbage, a silent exit and a hang', async () => {
    const trainer = fixture('by_seed.py');
    const engine = await engineFor(trainer, {}, 500);
    const train = (seed: number, signal = never) => engine.train({ ir, task: task(trainer), seed }, signal, () => {});
    expect(await train(1)).toMatchObject({ status: 'failed', error: expect.stringContaining('raised RuntimeError: seed 1 crashes') });
    expect(await train(2)).toMatchObject({ status: 'failed', error: expect.stringContaining('not the protocol: type: ') });
    expect(await train(3)).toMatchObject({ status: 'failed', error: expect.stringContaining('exited without reporting a final accuracy') });
    await expect(train(4, timeLimit(2_000))).rejects.toBeInstanceOf(TrainingAborted);
    const ok = await train(5);
    expect(ok.status, ok.error).toBe('ok');
    expect(ok.accuracy).toBeGreaterThanOrEqual(0);
  });
});

describe('script engine: jobs it refuses before starting anything', () => {
  it('a job whose run named another trainer (sha-256) or none', async () => {
    const engine = await engineFor(fixture('metrics.py'));
    await expect(engine.train({ ir, task: task(fixture('crash.py')), seed: 1 }, never, () => {})).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringMatching(
        /^this worker's trainer .*metrics\.py has sha256 [0-9a-f]{64}, but the job's run was started with a trainer whose sha256 is [0-9a-f]{64}$/,
      ),
      hint: expect.stringContaining('same script'),
    });
    const plain = parseTask({
      kind: 'classification',
      dataset: { name: 'mnist', subset: 200, validationSize: 100, imageSize: 8 },
      recipe: { epochs: 1 },
    });
    await expect(engine.train({ ir, task: plain, seed: 1 }, never, () => {})).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('the job names no trainer'),
    });
    await expect(engine.train({ ir, task: task(fixture('metrics.py')), seed: 1, checkpoint: true }, never, () => {})).rejects.toMatchObject(
      { message: expect.stringContaining('does not hand back trained weights') },
    );
  });
});

function timeLimit(ms: number): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort('time-limit'), ms).unref();
  return controller.signal;
}
