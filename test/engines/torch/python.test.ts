/**
 * Finding a Python with PyTorch: the candidates' order, the reasons given for
 * each one that fails, and ENGINE_UNAVAILABLE with the install command when no
 * candidate has torch (a real Python started with -S, so its site-packages and
 * torch are out of reach).
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { registerBuiltinEngines } from '../../../src/engines/builtin.js';
import { createEngine, engineFactories } from '../../../src/engines/registry.js';
import { TorchEngine, findTorchPython, pythonCandidates, torchEngineFactory } from '../../../src/engines/torch/index.js';
import { torchPython } from './helpers.js';

/** A real Python that cannot import torch: the interpreter that has it, without site-packages. */
async function pythonWithoutTorch(): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'blockqnn-python-'));
  const script = path.join(dir, 'python-without-torch');
  writeFileSync(script, `#!/bin/sh\nexec "${(await torchPython()).executable}" -S "$@"\n`);
  chmodSync(script, 0o755);
  return script;
}

const saved = process.env.BLOCKQNN_PYTHON;
afterEach(() => {
  if (saved === undefined) delete process.env.BLOCKQNN_PYTHON;
  else process.env.BLOCKQNN_PYTHON = saved;
});

describe('torch engine: finding a Python with PyTorch', () => {
  it('tries $BLOCKQNN_PYTHON alone when set, else python3 then /usr/bin/python3', () => {
    expect(pythonCandidates({})).toEqual(['python3', '/usr/bin/python3']);
    expect(pythonCandidates({ BLOCKQNN_PYTHON: '/opt/conda/bin/python' })).toEqual(['/opt/conda/bin/python']);
  });

  it('skips candidates without torch, naming why, and reports the one it uses', async () => {
    const good = await torchPython();
    const without = await pythonWithoutTorch();
    const search = await findTorchPython({ candidates: ['/nonexistent/python3', without, good.executable] });
    expect(search.found?.executable).toBe(good.executable);
    expect(search.found?.torchVersion).toMatch(/^\d+\.\d+/);
    expect(search.tried).toEqual([
      { command: '/nonexistent/python3', problem: 'not found' },
      { command: without, problem: expect.stringMatching(/No module named '(numpy|torch)'/) },
    ]);
    expect((await torchEngineFactory.probe()).reason).toMatch(/has torch \d+\.\d+/);
  });

  it('a Python without torch makes the engine unavailable with the install command', async () => {
    process.env.BLOCKQNN_PYTHON = await pythonWithoutTorch();
    const probe = await torchEngineFactory.probe();
    expect(probe).toMatchObject({
      available: false,
      reason: `no Python with PyTorch: ${process.env.BLOCKQNN_PYTHON}: ModuleNotFoundError: No module named 'numpy'`,
    });
    expect(probe.install).toMatch(/apt-get install python3-torch.*pip install torch.*CUDA.*BLOCKQNN_PYTHON/);
    registerBuiltinEngines();
    expect(engineFactories.has('torch')).toBe(true);
    await expect(createEngine('torch')).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
      hint: expect.stringContaining('apt-get install python3-torch'),
    });
    await expect(torchEngineFactory.create()).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
  });

  it('creates an engine that names its Python and torch version', async () => {
    const engine = await torchEngineFactory.create();
    expect(engine).toBeInstanceOf(TorchEngine);
    expect(engine.describe()).toContain(`torch ${(await torchPython()).torchVersion} via ${(await torchPython()).executable}`);
    await engine.close?.();
  });
});
