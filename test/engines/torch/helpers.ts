/** Shared set-up for the torch engine tests: the Python that has torch, and running Python helpers with JSON in and out. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type TorchPython, describeAttempts, findTorchPython } from '../../../src/engines/torch/index.js';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** The Python with torch the engine would use; fails (never skips) with the install hint when there is none. */
export async function torchPython(): Promise<TorchPython> {
  const search = await findTorchPython();
  if (!search.found)
    throw new Error(`the torch engine tests need PyTorch (apt-get install python3-torch): ${describeAttempts(search.tried)}`);
  return search.found;
}

/** Runs a Python script with `input` as JSON on stdin; resolves with its stdout parsed as JSON. */
export async function runPythonJson<T>(
  script: string,
  input: unknown,
  args: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<T> {
  const python = (await torchPython()).executable;
  return new Promise((resolve, reject) => {
    const child = execFile(python, ['-B', script, ...args], { maxBuffer: 256 << 20, env, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${script} failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as T);
    });
    child.stdin!.end(JSON.stringify(input));
  });
}
