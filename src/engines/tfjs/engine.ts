/** The tfjs engine: the fastest tfjs build available, the IR compiled to a LayersModel, the early-stop recipe. */
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { loadDataset } from '../../datasets/index.js';
import { trainImage2Image } from '../image2image.js';
import { tfjsTrainGenerative } from './generative/index.js';
import { networkCost, parseIr } from '../../search-space/index.js';
import type { Engine, TrainOutcome, TrainRequest } from '../engine.js';
import { answerEveryCandidate } from '../failure.js';
import type { EngineFactory } from '../registry.js';
import { type LoadedTfjs, loadTfjs } from './backend.js';
import { trainTfjs } from './train.js';
import type { CompiledIr } from './compile.js';
import { tfjsToTorchState } from './torch-weights.js';
import { checkpointMetadata, writeCheckpoint } from '../checkpoint.js';

export class TfjsEngine implements Engine {
  readonly name = 'tfjs';

  constructor(private readonly loaded: LoadedTfjs) {}

  describe(): string {
    return `tfjs ${this.loaded.tf.version.tfjs} via ${this.loaded.package} (backend ${this.loaded.backend})`;
  }

  train(request: TrainRequest, signal: AbortSignal, onProgress: Parameters<Engine['train']>[2]): Promise<TrainOutcome> {
    return answerEveryCandidate(signal, () => this.trainNow(request, signal, onProgress));
  }

  private async trainNow(request: TrainRequest, signal: AbortSignal, onProgress: Parameters<Engine['train']>[2]): Promise<TrainOutcome> {
    if (request.task.kind === 'image2image') return trainImage2Image(request, tfjsTrainGenerative(this.loaded.tf), signal, onProgress);
    if (request.task.kind !== 'classification') {
      throw new BlockqnnError(
        ErrorCode.INVALID_INPUT,
        `the tfjs engine trains classification and image-to-image tasks, not "${request.task.kind}"`,
        { hint: 'use --engine table for lookup tasks' },
      );
    }
    const checked = parseIr(request.ir);
    const data = await loadDataset(request.task.dataset);
    const [h, w, c] = checked.ir.input.shape;
    if (h !== data.shape[0] || w !== data.shape[1] || c !== data.shape[2]) {
      throw new BlockqnnError(
        ErrorCode.INVALID_ARCHITECTURE,
        `the network expects [${h}, ${w}, ${c}] images but dataset ${data.name} has [${data.shape.join(', ')}]`,
      );
    }
    // A final training hands back its weights as the generated PyTorch module's state_dict (torch-weights.ts).
    const checkpoint = request.checkpoint
      ? (compiled: CompiledIr, steps: number) =>
          writeCheckpoint(
            tfjsToTorchState(checked, compiled, { batchesTracked: steps }),
            checkpointMetadata({ engine: this.name, params: networkCost(checked).params, ir: checked.ir }),
          )
      : undefined;
    return trainTfjs({
      tf: this.loaded.tf,
      checked,
      task: request.task,
      data,
      seed: request.seed,
      signal,
      onProgress,
      evaluateOn: request.evaluateOn,
      checkpoint,
      shouldContinue: request.shouldContinue,
    });
  }
}

export const tfjsEngineFactory: EngineFactory = {
  name: 'tfjs',
  description:
    'TensorFlow.js in the worker process: libtensorflow when installed (with CUDA or without), else pure JS (slow, needs nothing)',
  tasks: ['classification', 'image2image'],
  // Native libtensorflow first; the pure-JS backend only when nothing else is there.
  auto: { native: 0, portable: 2 },
  async probe() {
    try {
      const loaded = await loadTfjs({ logger: () => {} });
      return { available: true, reason: loaded.summary, native: loaded.backend !== 'cpu' };
    } catch (error) {
      return { available: false, reason: (error as Error).message, install: 'npm install @tensorflow/tfjs' };
    }
  },
  async create() {
    return new TfjsEngine(await loadTfjs());
  },
};
