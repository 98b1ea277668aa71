/**
 * The torch engine: the IR becomes a generated PyTorch module (codegen.ts), and
 * a Python trainer process (trainer.py, one per engine, i.e. per worker slot,
 * started on the first job and reused) trains it with the tfjs engine's
 * early-stop recipe on the decoded-dataset cache the TypeScript side wrote.
 * A trainer that dies or breaks the protocol fails its job with a clear error
 * and is replaced for the next one.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { loadClassifierData } from '../classifier-data.js';
import type { TrainGenerative } from '../generative.js';
import { trainImage2Image } from '../image2image.js';
import { trainGenerativeTorch } from './generative.js';
import { parseIr } from '../../search-space/index.js';
import { checkpointMetadata } from '../checkpoint.js';
import { type Engine, type EpochProgress, type TrainOutcome, type TrainRequest, TrainingAborted } from '../engine.js';
import { answerEveryCandidate } from '../failure.js';
import type { EngineFactory } from '../registry.js';
import { generateTorchModule } from './codegen.js';
import { TRAINER_SCRIPT } from './paths.js';
import type { ReadyMessage, ResultMessage } from './protocol.js';
import { TORCH_INSTALL_HINT, type TorchPython, describeAttempts, describeTorchPython, findTorchPython } from './python.js';
import { TrainerProcess } from './trainer-process.js';
import { introspectionExtra } from './introspection-extra.js';

export interface TorchEngineOptions {
  python: TorchPython;
  /** The trainer script; tests substitute trainers that misbehave. */
  script?: string;
  /** Environment of the trainer (BLOCKQNN_TORCH_DEVICE, BLOCKQNN_TORCH_THREADS, CUDA_VISIBLE_DEVICES...). */
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
  cancelGraceMs?: number;
}

let jobCounter = 0;

export class TorchEngine implements Engine {
  readonly name = 'torch';
  private trainer: TrainerProcess | null = null;
  /** Jobs run one at a time: a slot trains one network, and the trainer holds one job. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: TorchEngineOptions) {}

  /** Image-to-image jobs train in a Python child of their own (generative.ts), with this engine's Python and environment. */
  private readonly generative: TrainGenerative = (request, signal, onProgress) =>
    trainGenerativeTorch(request, signal, onProgress, {
      python: this.options.python,
      ...(this.options.env ? { env: this.options.env } : {}),
    });

  describe(): string {
    const ready = this.trainer?.ready;
    const device = ready
      ? ready.deviceDescription
      : this.options.python.cuda
        ? `cuda: ${this.options.python.cudaDevices[0] ?? '?'}`
        : 'cpu';
    return `torch ${this.options.python.torchVersion} via ${this.options.python.executable} (Python ${this.options.python.pythonVersion}, ${device})`;
  }

  /** The running trainer's `ready` message (device, threads, versions), once one has started. */
  get trainerInfo(): ReadyMessage | null {
    return this.trainer?.usable ? this.trainer.ready : null;
  }

  /** The trainer's process id, for diagnostics. */
  get trainerPid(): number | undefined {
    return this.trainer?.usable ? this.trainer.pid : undefined;
  }

  train(request: TrainRequest, signal: AbortSignal, onProgress: (progress: EpochProgress) => void): Promise<TrainOutcome> {
    const run = this.queue.then(() => answerEveryCandidate(signal, () => this.trainNow(request, signal, onProgress)));
    this.queue = run.catch(() => {});
    return run;
  }

  async close(): Promise<void> {
    await this.queue;
    const trainer = this.trainer;
    this.trainer = null;
    await trainer?.stop();
  }

  private async trainNow(request: TrainRequest, signal: AbortSignal, onProgress: (progress: EpochProgress) => void): Promise<TrainOutcome> {
    if (request.task.kind === 'image2image') return trainImage2Image(request, this.generative, signal, onProgress);
    if (request.task.kind !== 'classification') {
      throw new BlockqnnError(
        ErrorCode.INVALID_INPUT,
        `the torch engine trains classification and image-to-image tasks, not "${request.task.kind}"`,
        { hint: 'use --engine table for lookup tasks' },
      );
    }
    const { checked, data } = await loadClassifierData(request.ir, request.task, this.name);
    const generated = generateTorchModule(checked);
    if (signal.aborted) throw new TrainingAborted(signal.reason);
    const trainer = await this.ensureTrainer();
    const id = `${process.pid}-${++jobCounter}`;
    // The trainer writes the weights to a private file; they travel on as bytes (the worker may be on another host).
    const folder = request.checkpoint ? await mkdtemp(join(tmpdir(), 'blockqnn-checkpoint-')) : undefined;
    const checkpointFile = folder ? join(folder, 'weights.safetensors') : undefined;
    try {
      return await this.runJob(trainer, id, request, signal, onProgress, {
        checked,
        generated,
        data: { path: data.cachePath, key: data.key },
        checkpointFile,
      });
    } finally {
      if (folder) await rm(folder, { recursive: true, force: true });
    }
  }

  private async runJob(
    trainer: TrainerProcess,
    id: string,
    request: TrainRequest,
    signal: AbortSignal,
    onProgress: (progress: EpochProgress) => void,
    job: {
      checked: ReturnType<typeof parseIr>;
      generated: ReturnType<typeof generateTorchModule>;
      data: { path: string; key: string };
      checkpointFile: string | undefined;
    },
  ): Promise<TrainOutcome> {
    const { generated, checkpointFile } = job;
    const { shouldContinue } = request;
    if (request.task.kind !== 'classification') throw new BlockqnnError(ErrorCode.INTERNAL, 'unreachable: not a classification task');
    let result: ResultMessage;
    try {
      result = await trainer.run(
        {
          type: 'train',
          id,
          module: { source: generated.source },
          className: generated.className,
          expectedParams: generated.params,
          seed: request.seed,
          recipe: request.task.recipe,
          dataset: job.data,
          ...(request.evaluateOn ? { evaluateOn: request.evaluateOn } : {}),
          ...(checkpointFile
            ? {
                checkpoint: {
                  path: checkpointFile,
                  metadata: { ...checkpointMetadata({ engine: this.name, params: generated.params, ir: job.checked.ir }) },
                },
              }
            : {}),
          ...(shouldContinue ? { decisions: true } : {}),
        },
        signal,
        (p) =>
          onProgress({
            epoch: p.epoch,
            epochs: p.epochs,
            loss: p.loss,
            trainAccuracy: p.trainAccuracy,
            valAccuracy: p.valAccuracy,
            learningRate: p.learningRate,
            seconds: p.seconds,
            imagesPerSecond: p.imagesPerSecond,
          }),
        shouldContinue &&
          ((p) =>
            shouldContinue({
              epoch: p.epoch,
              loss: p.loss,
              trainAccuracy: p.trainAccuracy,
              valAccuracy: p.valAccuracy,
              learningRate: p.learningRate,
              seconds: p.seconds,
            })),
      );
    } catch (error) {
      // Whatever broke (a crash, garbage, a Python exception that may have left CUDA in a bad state): the next job gets a fresh trainer.
      this.discardTrainer();
      if (signal.aborted) throw new TrainingAborted(signal.reason);
      throw error;
    }
    if (result.status === 'cancelled') throw new TrainingAborted(signal.reason);
    return {
      status: result.status,
      accuracy: result.accuracy,
      curve: result.curve,
      trainSeconds: result.trainSeconds,
      evalSeconds: result.evalSeconds,
      imagesPerSecond: result.imagesPerSecond,
      extra: {
        params: result.params ?? generated.params,
        ...(result.peakMemoryBytes != null ? { peakGpuMemoryBytes: result.peakMemoryBytes } : {}),
        ...introspectionExtra(request.task.recipe, result),
      },
      ...(result.error !== undefined ? { error: result.error } : {}),
      ...(checkpointFile && result.status === 'ok' ? { checkpoint: await readFile(checkpointFile) } : {}),
    };
  }

  private async ensureTrainer(): Promise<TrainerProcess> {
    if (this.trainer?.usable) return this.trainer;
    this.discardTrainer();
    try {
      this.trainer = await TrainerProcess.start({
        python: this.options.python.executable,
        script: this.options.script ?? TRAINER_SCRIPT,
        ...(this.options.env ? { env: this.options.env } : {}),
        ...(this.options.startTimeoutMs ? { startTimeoutMs: this.options.startTimeoutMs } : {}),
        ...(this.options.cancelGraceMs ? { cancelGraceMs: this.options.cancelGraceMs } : {}),
      });
    } catch (error) {
      const e = error instanceof BlockqnnError ? error : new BlockqnnError(ErrorCode.INTERNAL, String(error));
      throw new BlockqnnError(ErrorCode.ENGINE_UNAVAILABLE, `the torch trainer did not start: ${e.message}`, {
        hint: e.hint ?? TORCH_INSTALL_HINT,
        details: e.details,
        cause: error,
      });
    }
    return this.trainer;
  }

  private discardTrainer(): void {
    this.trainer?.kill();
    this.trainer = null;
  }
}

export const torchEngineFactory: EngineFactory = {
  name: 'torch',
  description: 'PyTorch in a Python child process (CUDA when the Python has it): the fastest on most hosts',
  tasks: ['classification', 'image2image'],
  auto: { native: 1 },
  async probe() {
    const search = await findTorchPython();
    if (search.found) return { available: true, reason: describeTorchPython(search.found), native: true };
    return { available: false, reason: `no Python with PyTorch: ${describeAttempts(search.tried)}`, install: TORCH_INSTALL_HINT };
  },
  async create() {
    const search = await findTorchPython();
    if (!search.found) {
      throw new BlockqnnError(
        ErrorCode.ENGINE_UNAVAILABLE,
        `engine "torch" is not available: no Python with PyTorch: ${describeAttempts(search.tried)}`,
        { hint: TORCH_INSTALL_HINT },
      );
    }
    return new TorchEngine({ python: search.found });
  },
};
