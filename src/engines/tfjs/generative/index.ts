/**
 * The tfjs half of issue #9's generative training (the torch engine's twin is
 * src/engines/torch/generative.py): `trainGenerativeTfjs` trains the role networks of a
 * task's procedure in process and returns the outputs on the eval split.
 *
 * @example
 * const outcome = await trainGenerativeTfjs({ task, examples, networks: baseline.build(spec).roles, seed: 1 }, signal, (p) => log(p.epoch, p.losses));
 */
import { BlockqnnError, ErrorCode } from '../../../common/errors.js';
import { examplesForProcedure, outputsForProcedure } from '../../../task/image2image/procedure-examples.js';
import type { GenerativeProcedure, TrainGenerative } from '../../generative.js';
import { type Tfjs, loadTfjs } from '../backend.js';
import { runProcedure } from './loop.js';
import { pairedCycleGan } from './paired-cyclegan.js';
import { pix2pix } from './pix2pix.js';
import type { ProcedureDefinition } from './procedure.js';
import { segan } from './segan.js';
import { stargan } from './stargan.js';
import { vunet } from './vunet.js';
import { winnSynthesis } from './winn-synthesis.js';

export const TFJS_GENERATIVE_PROCEDURES: Readonly<Record<GenerativeProcedure, ProcedureDefinition>> = {
  pix2pix,
  segan,
  stargan,
  'paired-cyclegan': pairedCycleGan,
  vunet,
  'winn-synthesis': winnSynthesis,
};

/** Trains with the given tfjs namespace (tests, the engine) or the fastest build loadTfjs finds. */
export function tfjsTrainGenerative(tf?: Tfjs): TrainGenerative {
  return async (request, signal, onProgress) => {
    const definition = TFJS_GENERATIVE_PROCEDURES[request.task.procedure];
    if (!definition) {
      throw new BlockqnnError(ErrorCode.UNKNOWN_NAME, `unknown generative procedure "${request.task.procedure}"`, {
        hint: `use one of ${Object.keys(TFJS_GENERATIVE_PROCEDURES).join(', ')}`,
      });
    }
    // A procedure's own view of the examples (SeGAN's object crops) in, the problem's outputs (the full frame) out.
    const { procedure } = request.task;
    const examples = examplesForProcedure(procedure, request.examples);
    const outcome = await runProcedure(tf ?? (await loadTfjs()).tf, definition, { ...request, examples }, signal, onProgress);
    return outcome.outputs ? { ...outcome, outputs: outputsForProcedure(procedure, examples, outcome.outputs) } : outcome;
  };
}

export const trainGenerativeTfjs: TrainGenerative = (request, signal, onProgress) => tfjsTrainGenerative()(request, signal, onProgress);
