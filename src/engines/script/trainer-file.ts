/**
 * The user's training script as a file: where it is, whether it can run, and its
 * sha-256. Jobs name the trainer by that digest only (task.trainer.sha256), never
 * by path or content, so a job stays data: each worker runs its own copy, given
 * with `--trainer`, and refuses a job whose digest differs from its copy's.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';

/** How a worker slot learns its trainer: `--trainer` sets it for the slots it starts. */
export const TRAINER_ENV = 'BLOCKQNN_TRAINER';

export interface TrainerFile {
  /** Absolute path. */
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

const PYTHON_SUFFIX = /\.py$/i;

/** Reads and hashes the trainer, or fails naming the path and the fix. */
export function readTrainerFile(given: string): TrainerFile {
  const path = resolve(given);
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) {
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, `trainer ${path} is not a file`, {
        hint: 'give --trainer the Python script itself, e.g. --trainer examples/custom-trainer/train.py',
      });
    }
    size = stat.size;
  } catch (error) {
    if (error instanceof BlockqnnError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new BlockqnnError(
      code === 'ENOENT' ? ErrorCode.NOT_FOUND : ErrorCode.IO_ERROR,
      `trainer ${path} ${code === 'ENOENT' ? 'does not exist' : `cannot be read: ${(error as Error).message}`}`,
      {
        hint: 'check the path given to --trainer (relative paths start from the current directory)',
      },
    );
  }
  if (!PYTHON_SUFFIX.test(path)) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `trainer ${path} is not a Python script (.py)`, {
      hint: 'the script engine runs Python trainers: give --trainer a .py file that imports blockqnn_trial',
    });
  }
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (error) {
    throw new BlockqnnError(ErrorCode.IO_ERROR, `trainer ${path} cannot be read: ${(error as Error).message}`, {
      hint: 'make it readable by the user running blockqnn',
    });
  }
  return { path, sha256: createHash('sha256').update(content).digest('hex'), bytes: size };
}

/**
 * Compiles the trainer (nothing is executed) with the first Python of `candidates` that exists
 * ($BLOCKQNN_PYTHON, else python3, then /usr/bin/python3: the torch engine's order), so a syntax
 * error or a file that is not Python text stops the command before anything is queued. No torch
 * import: a controller host need not have PyTorch, only its workers do.
 */
export async function checkTrainerCompiles(trainer: TrainerFile, candidates: readonly string[]): Promise<void> {
  const program = 'import sys\nsource = open(sys.argv[1], "rb").read()\ncompile(source, sys.argv[1], "exec")';
  const missing: string[] = [];
  for (const python of candidates) {
    const answer = await new Promise<{ missing: true } | { stderr: string; failed: boolean }>((done) => {
      execFile(python, ['-B', '-c', program, trainer.path], { timeout: 60_000, maxBuffer: 1 << 20 }, (error, _stdout, stderr) => {
        if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') done({ missing: true });
        else done({ stderr, failed: error !== null });
      });
    });
    if ('missing' in answer) {
      missing.push(python);
      continue;
    }
    if (!answer.failed) return;
    const all = answer.stderr.trim().split('\n').filter(Boolean);
    // From the trainer's own frame on: the checking program's frames mean nothing to the user.
    const own = all.findIndex((l) => l.includes(trainer.path));
    const lines = own >= 0 ? all.slice(own) : all;
    throw new BlockqnnError(
      ErrorCode.INVALID_INPUT,
      `trainer ${trainer.path} cannot run: ${lines.at(-1) ?? 'Python could not compile it'}`,
      {
        hint: `fix the script (\`${python} ${trainer.path}\` shows the same error)${lines.length > 1 ? `; Python said:\n${lines.slice(-6).join('\n')}` : ''}`,
      },
    );
  }
  throw new BlockqnnError(ErrorCode.ENGINE_UNAVAILABLE, `no Python to run trainer ${trainer.path} (tried ${missing.join(', ')})`, {
    hint: 'install Python 3 with PyTorch (`apt-get install python3-torch`), or set BLOCKQNN_PYTHON to one',
  });
}
