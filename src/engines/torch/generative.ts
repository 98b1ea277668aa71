/**
 * The torch engine's generative training (issue #9, Part C): trainGenerative over a
 * Python child. Each role's IR becomes a generated PyTorch module (codegen.ts, the same
 * source export hands out); the examples are written to a private `.bqds` file with
 * arrays `train.<name>` / `eval.<name>` (the dataset cache's layout, so Python reads it
 * with dataset_cache.py); generative.py trains with the procedure and writes one raw
 * float32 file per output. The procedures, their losses and the line protocol are
 * documented at the top of generative.py.
 *
 * One process per job (not the classification trainer's long-lived one): a generative
 * job trains for minutes, so a second of torch import is noise, and the process cannot
 * leak state from one job into the next. Aborting the signal kills it.
 *
 * @example
 * const nets = generativeBaselines.get('segan').build({ problem, imageSize: 16, channels, domains: 0, latent: 8 });
 * const outcome = await trainGenerativeTorch({ task, examples, networks: nets.roles, seed: 1 }, signal, (p) => log(p));
 */
import { RECORDED_STATUSES } from '../../common/statuses.js';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { writeCacheFile } from '../../datasets/cache-file.js';
import { parseIr } from '../../search-space/index.js';
import { examplesForProcedure, outputsForProcedure } from '../../task/image2image/procedure-examples.js';
import { PROBLEM_OUTPUTS, PROCEDURE_EXTRA_OUTPUTS } from '../../task/image2image/schema.js';
import { TrainingAborted } from '../engine.js';
import type { ExampleSet, GenerativeOutcome, GenerativeProgress, GenerativeRequest } from '../generative.js';
import { generateTorchModule } from './codegen.js';
import { PACKAGE_ROOT } from './paths.js';
import { TORCH_INSTALL_HINT, type TorchPython, describeAttempts, findTorchPython } from './python.js';
import { checkRoleInputs } from './generative-roles.js';

export const GENERATIVE_SCRIPT = join(PACKAGE_ROOT, 'src/engines/torch/generative.py');

export interface TorchGenerativeOptions {
  /** The Python with torch; found with findTorchPython() when omitted. */
  python?: TorchPython;
  /** Environment of the child (BLOCKQNN_TORCH_DEVICE, BLOCKQNN_TORCH_THREADS, CUDA_VISIBLE_DEVICES). */
  env?: NodeJS.ProcessEnv;
}

const losses = z.record(
  z.string(),
  z
    .number()
    .nullable()
    .transform((x) => x ?? Number.NaN),
);
const epochRecord = z.object({ epoch: z.number().int(), losses, seconds: z.number() });
const progressLine = z.object({ type: z.literal('progress'), epochs: z.number().int() }).extend(epochRecord.shape);
const resultLine = z.object({
  type: z.literal('result'),
  status: z.enum(RECORDED_STATUSES),
  curve: z.array(epochRecord),
  trainSeconds: z.number(),
  outputs: z.record(z.string(), z.object({ file: z.string(), shape: z.array(z.number().int().nonnegative()) })).optional(),
  error: z.string().optional(),
  traceback: z.string().optional(),
});
const line = z.discriminatedUnion('type', [progressLine, resultLine]);
type ResultLine = z.infer<typeof resultLine>;

/** The examples as a dataset-cache file: `train.<name>`, `eval.<name>`, uint8, batch axis first. */
async function writeExamples(path: string, examples: ExampleSet): Promise<void> {
  const arrays: Record<string, { data: Uint8Array; shape: number[] }> = {};
  for (const split of ['train', 'eval'] as const) {
    for (const [name, array] of Object.entries(examples[split].arrays))
      arrays[`${split}.${name}`] = { data: array.data, shape: array.shape };
  }
  await writeCacheFile(
    path,
    {
      key: `examples-${examples.problem}-${examples.imageSize}`,
      name: examples.problem,
      classes: [],
      shape: [examples.imageSize, examples.imageSize, examples.channels],
      pixels: 'float = byte / 255',
      spec: { problem: examples.problem, imageSize: examples.imageSize, channels: examples.channels, domains: examples.domains },
      source: null,
    },
    arrays,
  );
}

/** Runs generative.py on a request file's JSON; resolves with its result line. */
function runChild(
  python: string,
  env: NodeJS.ProcessEnv,
  request: unknown,
  signal: AbortSignal,
  onProgress: (p: GenerativeProgress) => void,
): Promise<ResultLine> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-B', '-u', GENERATIVE_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], env });
    const stderr: string[] = [];
    let result: ResultLine | undefined;
    let broken: string | undefined;
    const onAbort = () => child.kill('SIGKILL');
    signal.addEventListener('abort', onAbort, { once: true });
    createInterface({ input: child.stderr }).on('line', (l) => {
      stderr.push(l.slice(0, 500));
      if (stderr.length > 30) stderr.shift();
    });
    createInterface({ input: child.stdout }).on('line', (text) => {
      if (text.trim() === '') return;
      let parsed: z.infer<typeof line> | undefined;
      try {
        parsed = line.parse(JSON.parse(text));
      } catch {
        broken ??= `the generative trainer wrote a line that is not its protocol: ${JSON.stringify(text.slice(0, 200))}`;
        child.kill('SIGKILL');
        return;
      }
      if (parsed.type === 'progress')
        onProgress({ epoch: parsed.epoch, epochs: parsed.epochs, losses: parsed.losses, seconds: parsed.seconds });
      else result = parsed;
    });
    child.stdin.on('error', () => {});
    child.on('error', (error) => {
      broken ??= `cannot run ${python}: ${error.message}`;
    });
    child.on('close', (code, killedBy) => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) return reject(new TrainingAborted(signal.reason));
      if (result && !broken) return resolve(result);
      const why =
        broken ?? `the generative trainer ${killedBy ? `was killed by ${killedBy}` : `exited with code ${code}`} before its result`;
      reject(
        new BlockqnnError(ErrorCode.INTERNAL, why, {
          hint: stderr.length
            ? `the trainer's last output:\n${stderr.slice(-12).join('\n')}`
            : 'run it again; if it persists, check the Python with torch (BLOCKQNN_PYTHON)',
          details: { python, script: GENERATIVE_SCRIPT },
        }),
      );
    });
    child.stdin.end(JSON.stringify(request));
  });
}

/** Reads the output files and checks each one's size against [count, S, S, channels]. */
async function readOutputs(result: ResultLine, request: GenerativeRequest): Promise<Record<string, Float32Array>> {
  const { task, examples } = request;
  const count = task.problem === 'introspective-synthesis' ? task.recipe.samples : examples.eval.count;
  const outputs: Record<string, Float32Array> = {};
  const wanted = { ...PROBLEM_OUTPUTS(task.problem, examples.channels), ...PROCEDURE_EXTRA_OUTPUTS(task.procedure, examples.channels) };
  for (const [name, channels] of Object.entries(wanted)) {
    const described = result.outputs?.[name];
    const expected = [count, examples.imageSize, examples.imageSize, channels];
    if (!described || described.shape.join() !== expected.join()) {
      throw new BlockqnnError(
        ErrorCode.INTERNAL,
        `the generative trainer's output ${name} is ${described ? `[${described.shape.join(', ')}]` : 'missing'}, expected [${expected.join(', ')}]`,
      );
    }
    const bytes = await readFile(described.file);
    if (bytes.byteLength !== expected.reduce((a, b) => a * b, 4)) {
      throw new BlockqnnError(
        ErrorCode.INTERNAL,
        `the generative trainer's output file ${described.file} has ${bytes.byteLength} bytes, expected ${expected.reduce((a, b) => a * b, 4)}`,
      );
    }
    outputs[name] = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  }
  return outputs;
}

/**
 * Trains the request's role networks with its task's procedure in a PyTorch child and
 * returns the outputs on the eval split. Statuses: ok, diverged (a non-finite loss or
 * output, named in `error`), too_large (out of memory), failed (a Python error, its
 * message in `error`). Throws TrainingAborted when `signal` aborts, and a BlockqnnError
 * for a request that cannot be trained (wrong roles or channels, no PyTorch).
 */
export async function trainGenerativeTorch(
  request: GenerativeRequest,
  signal: AbortSignal,
  onProgress: (progress: GenerativeProgress) => void,
  options: TorchGenerativeOptions = {},
): Promise<GenerativeOutcome> {
  const { task, examples } = request;
  if (task.problem !== examples.problem || task.imageSize !== examples.imageSize) {
    throw new BlockqnnError(
      ErrorCode.INVALID_INPUT,
      `the task is ${task.problem} at ${task.imageSize}px but the examples are ${examples.problem} at ${examples.imageSize}px`,
      {
        hint: 'build the examples from the same task (buildExamples(task, …))',
      },
    );
  }
  const checked = Object.fromEntries(Object.entries(request.networks).map(([role, ir]) => [role, parseIr(ir)]));
  checkRoleInputs(task, examples, checked);
  let python = options.python;
  if (!python) {
    const search = await findTorchPython(options.env ? { env: options.env } : {});
    if (!search.found)
      throw new BlockqnnError(ErrorCode.ENGINE_UNAVAILABLE, `no Python with PyTorch: ${describeAttempts(search.tried)}`, {
        hint: TORCH_INSTALL_HINT,
      });
    python = search.found;
  }
  if (signal.aborted) throw new TrainingAborted(signal.reason);
  const folder = await mkdtemp(join(tmpdir(), 'blockqnn-generative-'));
  try {
    const examplesPath = join(folder, 'examples.bqds');
    // A procedure's own view of the examples (SeGAN's object crops), made here so both engines train on the same bytes.
    const trained = examplesForProcedure(task.procedure, examples);
    await writeExamples(examplesPath, trained);
    const roles = Object.fromEntries(
      Object.entries(checked).map(([role, c]) => {
        const generated = generateTorchModule(c);
        return [role, { source: generated.source, className: generated.className, expectedParams: generated.params }];
      }),
    );
    const result = await runChild(
      python.executable,
      options.env ?? process.env,
      {
        procedure: task.procedure,
        problem: task.problem,
        seed: request.seed,
        recipe: task.recipe,
        examples: examplesPath,
        channels: examples.channels,
        domains: examples.domains,
        labelSets: examples.labelSets ?? 1,
        outDir: folder,
        roles,
      },
      signal,
      onProgress,
    );
    const curve = result.curve.map(({ epoch, losses: l, seconds }) => ({ epoch, losses: l, seconds }));
    if (result.status !== 'ok') {
      const error =
        result.status === 'failed' && result.traceback
          ? `${result.error}\n${result.traceback.trim().split('\n').slice(-6).join('\n')}`
          : result.error;
      return { status: result.status, curve, trainSeconds: result.trainSeconds, error };
    }
    const outputs = outputsForProcedure(task.procedure, trained, await readOutputs(result, request));
    return { status: 'ok', outputs, curve, trainSeconds: result.trainSeconds };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
