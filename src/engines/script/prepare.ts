/**
 * The checks a command makes before it queues anything or starts a slot for the
 * script engine: the engine and `--trainer` go together, the trainer exists and it
 * compiles. (Whether a host's Python has torch is the engine's probe: `blockqnn
 * worker` asks it before starting slots; a controller alone needs no torch.)
 */
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import type { TrainingTask } from '../../task/task.js';
import { pythonCandidates } from '../torch/python.js';
import { TRAINER_ENV, type TrainerFile, checkTrainerCompiles, readTrainerFile } from './trainer-file.js';

const EXAMPLE = '--engine script --trainer examples/custom-trainer/train.py';

/**
 * The trainer of a command run with `engine`: `given` (the --trainer flag), else
 * $BLOCKQNN_TRAINER; undefined for other engines. Throws, naming the fix, when the
 * engine and the trainer do not go together or the trainer cannot run.
 */
export async function prepareTrainer(
  engine: string,
  given: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TrainerFile | undefined> {
  if (engine !== 'script') {
    if (given !== undefined) {
      throw new BlockqnnError(
        ErrorCode.INVALID_CONFIG,
        `--trainer runs your own training script, which only the script engine does; this command uses engine "${engine}"`,
        {
          hint: `add --engine script (e.g. ${EXAMPLE}), or drop --trainer`,
        },
      );
    }
    return undefined;
  }
  const path = given ?? env[TRAINER_ENV];
  if (!path) {
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, '--engine script needs the training script to run: --trainer PATH', {
      hint: `e.g. ${EXAMPLE}`,
    });
  }
  const trainer = readTrainerFile(path);
  await checkTrainerCompiles(trainer, pythonCandidates(env));
  return trainer;
}

/**
 * A run's engine and task agree: the script engine trains classifiers with the trainer the
 * task names (task.trainer, set from --trainer), and only the script engine runs a trainer.
 * Every way of creating a run (search, baseline, the dashboard) passes here before anything is stored.
 */
export function checkScriptRun(engine: string, task: TrainingTask): void {
  const trainer = task.kind === 'classification' ? task.trainer : undefined;
  if (engine !== 'script') {
    if (trainer !== undefined) {
      throw new BlockqnnError(
        ErrorCode.INVALID_CONFIG,
        `task.trainer names a training script, which only the script engine runs; this run uses engine "${engine}"`,
        {
          hint: `use ${EXAMPLE}, or drop the trainer`,
        },
      );
    }
    return;
  }
  if (task.kind !== 'classification') {
    throw new BlockqnnError(
      ErrorCode.INVALID_CONFIG,
      `the script engine trains image classifiers; this run's task is ${task.kind === 'lookup' ? 'a lookup table' : 'an image-to-image problem'}`,
      {
        hint: task.kind === 'lookup' ? 'use --engine table for a lookup search' : 'use --engine torch for image-to-image tasks',
      },
    );
  }
  if (trainer === undefined) {
    throw new BlockqnnError(
      ErrorCode.INVALID_CONFIG,
      'a run with engine "script" needs its training script: --trainer PATH (task.trainer.sha256 in a config)',
      { hint: `e.g. ${EXAMPLE}` },
    );
  }
}

/**
 * `blockqnn resume` of a run: its local worker slots need the trainer the run was started
 * with, checked by sha-256 against the task, so a resumed run never trains with other code.
 */
export async function prepareRunTrainer(
  engine: string,
  task: TrainingTask,
  given: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TrainerFile | undefined> {
  const wanted = task.kind === 'classification' ? task.trainer?.sha256 : undefined;
  if (engine === 'script' && given === undefined && !env[TRAINER_ENV]) {
    throw new BlockqnnError(
      ErrorCode.INVALID_CONFIG,
      `the run's engine is "script": its local worker slots need the training script it was started with (sha256 ${wanted ?? '?'})`,
      {
        hint: 'resume with --trainer PATH, or with --workers 0 and workers started elsewhere',
      },
    );
  }
  const trainer = await prepareTrainer(engine, given, env);
  if (trainer !== undefined && trainer.sha256 !== wanted) {
    throw new BlockqnnError(
      ErrorCode.INVALID_CONFIG,
      `trainer ${trainer.path} has sha256 ${trainer.sha256}, but the run was started with a trainer whose sha256 is ${wanted ?? '(none)'}`,
      {
        hint: 'resume with the same script the run started with (or start a new run with this one)',
      },
    );
  }
  return trainer;
}
