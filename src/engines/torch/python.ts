/**
 * Finding a Python that has PyTorch. Debian's python3-torch installs into
 * /usr/bin/python3, while `python3` on PATH is often another Python (pyenv, a
 * venv) without it, so the candidates are tried in order:
 * `$BLOCKQNN_PYTHON` alone when set, else `python3`, then `/usr/bin/python3`.
 * Each is asked, in a child process, for its torch, numpy and CUDA; answers are
 * memoised per process because importing torch takes a second or more.
 */
import { execFile } from 'node:child_process';

export interface TorchPython {
  /** The command that was tried (`python3`, a path, or $BLOCKQNN_PYTHON's value). */
  readonly command: string;
  /** sys.executable: the interpreter the command resolved to. */
  readonly executable: string;
  readonly pythonVersion: string;
  readonly torchVersion: string;
  readonly numpyVersion: string;
  /** torch.cuda.is_available() in this process's environment (CUDA_VISIBLE_DEVICES applies). */
  readonly cuda: boolean;
  readonly cudaDevices: readonly string[];
  /** torch.version.cuda: the CUDA the wheel was built for, null for CPU builds. */
  readonly cudaBuild: string | null;
}

export interface PythonAttempt {
  readonly command: string;
  readonly problem: string;
}

export type TorchPythonSearch = { found: TorchPython; tried: readonly PythonAttempt[] } | { found: null; tried: readonly PythonAttempt[] };

export const BLOCKQNN_PYTHON = 'BLOCKQNN_PYTHON';

export const TORCH_INSTALL_HINT =
  'install PyTorch for Python 3: on Debian/Ubuntu `apt-get install python3-torch` (then it is in /usr/bin/python3); ' +
  'elsewhere `pip install torch numpy` (for NVIDIA GPUs pick the CUDA wheel matching your driver, e.g. ' +
  '`pip install torch --index-url https://download.pytorch.org/whl/cu121`); or set BLOCKQNN_PYTHON to a Python that has torch';

const PROBE = [
  'import json, sys',
  'import numpy, torch',
  'cuda = torch.cuda.is_available()',
  'devices = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if cuda else []',
  'print(json.dumps({"executable": sys.executable, "python": sys.version.split()[0], "torch": torch.__version__,',
  '  "numpy": numpy.__version__, "cuda": cuda, "devices": devices, "cudaBuild": torch.version.cuda}))',
].join('\n');

/** The commands to try, in order. */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const given = env[BLOCKQNN_PYTHON]?.trim();
  return given ? [given] : ['python3', '/usr/bin/python3'];
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).at(-1)?.slice(0, 300) ?? '';
}

function probeOne(command: string, env: NodeJS.ProcessEnv): Promise<TorchPython | PythonAttempt> {
  return new Promise((resolve) => {
    execFile(command, ['-c', PROBE], { env, timeout: 120_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const problem = code === 'ENOENT' ? 'not found' : error.killed ? 'timed out importing torch' : lastLine(stderr) || error.message;
        resolve({ command, problem });
        return;
      }
      try {
        const r = JSON.parse(lastLine(stdout)) as Record<string, unknown>;
        resolve({
          command,
          executable: String(r.executable),
          pythonVersion: String(r.python),
          torchVersion: String(r.torch),
          numpyVersion: String(r.numpy),
          cuda: r.cuda === true,
          cudaDevices: Array.isArray(r.devices) ? r.devices.map(String) : [],
          cudaBuild: typeof r.cudaBuild === 'string' ? r.cudaBuild : null,
        });
      } catch {
        resolve({ command, problem: `unexpected probe output: ${lastLine(stdout) || '(none)'}` });
      }
    });
  });
}

const memo = new Map<string, Promise<TorchPythonSearch>>();

/**
 * The first candidate that imports torch and numpy, and why each before it failed.
 *
 * @example
 * const search = await findTorchPython();
 * if (search.found) console.log(describeTorchPython(search.found));
 */
export function findTorchPython(options: { candidates?: readonly string[]; env?: NodeJS.ProcessEnv } = {}): Promise<TorchPythonSearch> {
  const env = options.env ?? process.env;
  const candidates = options.candidates ?? pythonCandidates(env);
  const key = JSON.stringify([candidates, env.CUDA_VISIBLE_DEVICES ?? null]);
  let pending = memo.get(key);
  if (!pending) {
    pending = (async () => {
      const tried: PythonAttempt[] = [];
      for (const command of candidates) {
        const answer = await probeOne(command, env);
        if ('torchVersion' in answer) return { found: answer, tried };
        tried.push(answer);
      }
      return { found: null, tried };
    })();
    memo.set(key, pending);
  }
  return pending;
}

/** One line, e.g. "/usr/bin/python3 (Python 3.11.2) has torch 1.13.0 (CPU only)". */
export function describeTorchPython(p: TorchPython): string {
  const where = p.command === p.executable ? p.command : `${p.command} → ${p.executable}`;
  const cuda = p.cuda
    ? `CUDA ${p.cudaBuild ?? '?'}: ${p.cudaDevices.join(', ')}`
    : p.cudaBuild
      ? `CUDA ${p.cudaBuild} build, no GPU visible`
      : 'CPU only';
  return `${where} (Python ${p.pythonVersion}) has torch ${p.torchVersion} (${cuda})`;
}

/** Why no candidate works, e.g. "python3: No module named 'torch'; /usr/bin/python3: not found". */
export function describeAttempts(tried: readonly PythonAttempt[]): string {
  return tried.map((t) => `${t.command}: ${t.problem}`).join('; ');
}
