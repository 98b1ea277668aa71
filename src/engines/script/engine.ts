/**
 * The script engine: the user's own training code trains each candidate. Per job the
 * worker writes the candidate's generated PyTorch module (../torch/codegen.ts) and a
 * job file into a temporary folder, and runs the user's script there in a process
 * group of its own (trial-process.ts); the script talks to the worker through the
 * blockqnn_trial helper (python/blockqnn_trial.py) over a channel of its own.
 *
 * The outcome follows the built-in engines: `ok` with the reported accuracy,
 * `diverged` on a non-finite loss or accuracy (the script is told to stop),
 * `too_large` on an out-of-memory error, `failed` on a crash, a script that never
 * reports, or a broken channel (each with the tail of the script's stderr). The
 * worker's time limit and cancellation abort the signal: the script is asked to
 * stop, then its process group is killed. The trainer is the worker's own file; a
 * job names it by sha-256 (task.trainer) and a different file is refused.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import type { ClassificationTask } from '../../task/task.js';
import { type ClassifierData, loadClassifierData } from '../classifier-data.js';
import { type Engine, type EpochProgress, type TrainOutcome, type TrainRequest, TrainingAborted } from '../engine.js';
import { type GeneratedModule, generateTorchModule } from '../torch/codegen.js';
import type { EngineFactory } from '../registry.js';
import { TORCH_INSTALL_HINT, type TorchPython, describeAttempts, describeTorchPython, findTorchPython } from '../torch/python.js';
import { epochRecordOf, outcomeOf, stopReason } from './outcome.js';
import { stopsAfter } from '../pruning.js';
import { TRIAL_HELPER_DIR } from './paths.js';
import { ANSWER_FD, CHANNEL_FD, TRIAL_PROTOCOL, type TrialJobFile } from './protocol.js';
import { TRAINER_ENV, type TrainerFile, readTrainerFile } from './trainer-file.js';
import { runTrialProcess } from './trial-process.js';

export interface ScriptEngineOptions {
  python: TorchPython;
  /** The user's training script (this worker's copy). */
  trainer: string;
  /** Environment of the script (BLOCKQNN_TORCH_DEVICE, BLOCKQNN_TORCH_THREADS, CUDA_VISIBLE_DEVICES...). */
  env?: NodeJS.ProcessEnv;
  /** After a cancel or the time limit, how long the script may take to stop before its process group is killed. */
  cancelGraceMs?: number;
  /** Where the script's stdout and stderr lines go besides the failure message's tail (BLOCKQNN_TRIAL_ECHO=1: the worker's stderr). */
  echo?: (line: string) => void;
}

let jobCounter = 0;

export class ScriptEngine implements Engine {
  readonly name = 'script';
  /** Jobs run one at a time: a slot trains one network. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly described: string;

  constructor(private readonly options: ScriptEngineOptions) {
    const trainer = readTrainerFile(options.trainer);
    const p = options.python;
    this.described = `script ${basename(trainer.path)} (sha256 ${trainer.sha256.slice(0, 12)}) with torch ${p.torchVersion} via ${p.executable} (Python ${p.pythonVersion}, ${p.cuda ? `cuda: ${p.cudaDevices[0] ?? '?'}` : 'cpu'})`;
  }

  describe(): string {
    return this.described;
  }

  train(request: TrainRequest, signal: AbortSignal, onProgress: (progress: EpochProgress) => void): Promise<TrainOutcome> {
    const run = this.queue.then(() => this.trainNow(request, signal, onProgress));
    this.queue = run.catch(() => {});
    return run;
  }

  private async trainNow(request: TrainRequest, signal: AbortSignal, onProgress: (progress: EpochProgress) => void): Promise<TrainOutcome> {
    const startedAtMs = Date.now();
    const task = request.task;
    if (task.kind !== 'classification') {
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, `the script engine trains classification tasks, not "${task.kind}"`, {
        hint: 'use --engine torch for image-to-image tasks and --engine table for lookup tasks',
      });
    }
    if (request.checkpoint) {
      throw new BlockqnnError(
        ErrorCode.INVALID_INPUT,
        'the script engine does not hand back trained weights, so it cannot run a final training',
        {
          hint: 'train the found architecture with `blockqnn train ... --engine torch`',
        },
      );
    }
    const trainer = this.checkTrainer(task);
    const { checked, data } = await loadClassifierData(request.ir, task, this.name);
    const generated = generateTorchModule(checked);
    if (signal.aborted) throw new TrainingAborted(signal.reason);
    const folder = await mkdtemp(join(tmpdir(), 'blockqnn-trial-'));
    try {
      const job = this.jobFile({ request, task, folder, data, generated, startedAtMs });
      const jobFile = join(folder, 'job.json');
      await writeFile(job.network.module, generated.source);
      await writeFile(jobFile, `${JSON.stringify(job, null, 2)}\n`);
      const record = await runTrialProcess(
        {
          python: this.options.python.executable,
          trainer: trainer.path,
          cwd: folder,
          env: {
            ...this.env,
            PYTHONPATH: [TRIAL_HELPER_DIR, this.env.PYTHONPATH].filter(Boolean).join(delimiter),
            BLOCKQNN_TRIAL_JOB: jobFile,
          },
          cancelGraceMs: this.options.cancelGraceMs ?? 3_000,
          echo: this.options.echo,
        },
        signal,
        async (m) => {
          const diverged = stopReason(m);
          if (diverged !== null) return { status: 'diverged', reason: diverged };
          // The job's pruner, at the end of every epoch of the recipe but the last (as the built-in engines ask it).
          if (await stopsAfter(request.shouldContinue, epochRecordOf(m), task.recipe.epochs))
            return { status: 'pruned', reason: `pruned after epoch ${m.epoch} by the run's pruner` };
          return null;
        },
        (m) =>
          onProgress({
            ...epochRecordOf(m),
            epochs: Math.max(task.recipe.epochs, m.epoch),
            imagesPerSecond: m.seconds > 0 ? m.images / m.seconds : 0,
          }),
      );
      if (record.aborted) throw new TrainingAborted(signal.reason);
      if (record.spawnError !== null) {
        throw new BlockqnnError(
          ErrorCode.ENGINE_UNAVAILABLE,
          `cannot run ${this.options.python.executable} ${trainer.path}: ${record.spawnError}`,
          { hint: 'check the Python with torch (BLOCKQNN_PYTHON)' },
        );
      }
      const outcome = outcomeOf(record, basename(trainer.path));
      return { ...outcome, extra: { ...outcome.extra, params: generated.params } };
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }

  /** What the script reads through blockqnn_trial: the network module beside it, the dataset cache, the recipe, the budget. */
  private jobFile(o: {
    request: TrainRequest;
    task: ClassificationTask;
    folder: string;
    data: ClassifierData['data'];
    generated: GeneratedModule;
    startedAtMs: number;
  }): TrialJobFile {
    return {
      protocol: TRIAL_PROTOCOL,
      job: `${process.pid}-${++jobCounter}`,
      seed: o.request.seed,
      device: this.env.BLOCKQNN_TORCH_DEVICE ?? 'auto',
      timeLimitSeconds: o.request.timeLimitSeconds ?? null,
      startedAtMs: o.startedAtMs,
      evaluateOn: o.request.evaluateOn ?? 'validation',
      recipe: o.task.recipe,
      network: { module: join(o.folder, 'network.py'), className: o.generated.className, params: o.generated.params },
      dataset: { path: o.data.cachePath, key: o.data.key, name: o.data.name, classes: o.data.classes, shape: o.data.shape },
      channel: { fd: CHANNEL_FD, answerFd: ANSWER_FD },
    };
  }

  private get env(): NodeJS.ProcessEnv {
    return this.options.env ?? process.env;
  }

  /** This worker's trainer, if it is the one the job's run was started with. */
  private checkTrainer(task: ClassificationTask) {
    const trainer = readTrainerFile(this.options.trainer);
    const wanted = task.trainer?.sha256;
    if (wanted === undefined) {
      throw new BlockqnnError(
        ErrorCode.INVALID_INPUT,
        'the job names no trainer (task.trainer.sha256): it was not made by a run started with --engine script --trainer',
        {
          hint: 'start the run with `blockqnn search --engine script --trainer PATH`',
        },
      );
    }
    if (trainer.sha256 !== wanted) {
      throw new BlockqnnError(
        ErrorCode.INVALID_CONFIG,
        `this worker's trainer ${trainer.path} has sha256 ${trainer.sha256}, but the job's run was started with a trainer whose sha256 is ${wanted}`,
        {
          hint: "give every worker of the run the same script: copy the run's trainer to this host and restart `blockqnn worker --engine script --trainer PATH`",
        },
      );
    }
    return trainer;
  }
}

/** `BLOCKQNN_TRIAL_ECHO=1`: the script's output lines go to the worker's stderr as they come (for writing a trainer). */
const echoFromEnv = (env: NodeJS.ProcessEnv): ((line: string) => void) | undefined =>
  env.BLOCKQNN_TRIAL_ECHO === '1' ? (line) => process.stderr.write(`[trainer] ${line}\n`) : undefined;

/** The trainer of this process ($BLOCKQNN_TRAINER, which --trainer sets) and the Python to run it, or why not. */
async function locate(): Promise<{ trainer: TrainerFile; python: TorchPython } | { reason: string; install: string }> {
  const given = process.env[TRAINER_ENV];
  if (!given) {
    return {
      reason: 'no trainer: the script engine runs your own training script',
      install: 'give it with --trainer PATH, e.g. `blockqnn worker --engine script --trainer examples/custom-trainer/train.py`',
    };
  }
  let trainer: TrainerFile;
  try {
    trainer = readTrainerFile(given);
  } catch (error) {
    const e = error as BlockqnnError;
    return { reason: e.message, install: e.hint ?? 'check --trainer' };
  }
  const search = await findTorchPython();
  if (!search.found)
    return { reason: `no Python with PyTorch to run ${trainer.path}: ${describeAttempts(search.tried)}`, install: TORCH_INSTALL_HINT };
  return { trainer, python: search.found };
}

export const scriptEngineFactory: EngineFactory = {
  name: 'script',
  description: 'your own Python training script (--trainer PATH, helper module blockqnn_trial), one process per job',
  tasks: ['classification'],
  async probe() {
    const found = await locate();
    if ('reason' in found) return { available: false, reason: found.reason, install: found.install };
    return {
      available: true,
      reason: `trainer ${found.trainer.path} (sha256 ${found.trainer.sha256.slice(0, 12)}) run by ${describeTorchPython(found.python)}`,
    };
  },
  async create() {
    const found = await locate();
    if ('reason' in found)
      throw new BlockqnnError(ErrorCode.ENGINE_UNAVAILABLE, `engine "script" is not available: ${found.reason}`, { hint: found.install });
    return new ScriptEngine({ python: found.python, trainer: found.trainer.path, echo: echoFromEnv(process.env) });
  },
};
