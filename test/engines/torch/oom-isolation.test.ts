/**
 * An out-of-memory in a trainer fails that job as too_large and nothing else:
 * a job whose network raises torch's CUDA out-of-memory type (what the caching
 * allocator raises when packed slots fill a GPU) comes back too_large from the
 * real trainer, which frees the job's tensors and trains the next job on the
 * same process. (On a GPU, bench/gpu.sh --packing checks the memory is given
 * back with a real CUDA out-of-memory.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src/datasets/index.js';
import { generateTorchModule } from '../../../src/engines/torch/codegen.js';
import { TRAINER_SCRIPT } from '../../../src/engines/torch/paths.js';
import { TrainerProcess } from '../../../src/engines/torch/trainer-process.js';
import { parseIr } from '../../../src/search-space/index.js';
import { tinyIr, tinyTask } from '../pruning-fixtures.js';
import { torchPython } from './helpers.js';

const OOM_NETWORK = `
import torch
from torch import nn


class Network(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        self.held = torch.zeros(1 << 22)  # what the job held when the allocator gave up
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB (GPU 0; 79.11 GiB total capacity; 74.02 GiB already allocated)")
`;

let trainer: TrainerProcess | undefined;
afterAll(async () => {
  await trainer?.stop();
});

describe('torch trainer: out-of-memory isolation', () => {
  it("a job raising torch's CUDA out-of-memory error is too_large; the same trainer trains the next job", async () => {
    const task = tinyTask(1);
    if (task.kind !== 'classification') throw new Error('unreachable');
    const data = await loadDataset(task.dataset);
    const dataset = { path: data.cachePath!, key: data.key };
    trainer = await TrainerProcess.start({
      python: (await torchPython()).executable,
      script: TRAINER_SCRIPT,
      env: { ...process.env, BLOCKQNN_TORCH_THREADS: '1' },
    });
    const pid = trainer.pid;
    const never = new AbortController().signal;
    const oom = await trainer.run(
      {
        type: 'train',
        id: 'oom',
        module: { source: OOM_NETWORK },
        className: 'Network',
        expectedParams: 650,
        seed: 1,
        recipe: task.recipe,
        dataset,
      },
      never,
      () => {},
    );
    expect(oom.status).toBe('too_large');
    expect(oom.error).toMatch(/^out of memory on (cpu|cuda): CUDA out of memory\. Tried to allocate 20\.00 GiB/);
    expect(oom.curve).toEqual([]);
    const generated = generateTorchModule(parseIr(tinyIr));
    const next = await trainer.run(
      {
        type: 'train',
        id: 'next',
        module: { source: generated.source },
        className: generated.className,
        expectedParams: generated.params,
        seed: 1,
        recipe: task.recipe,
        dataset,
      },
      never,
      () => {},
    );
    expect(next.status).toBe('ok');
    expect(next.curve).toHaveLength(1);
    expect(trainer.usable).toBe(true);
    expect(trainer.pid).toBe(pid);
  }, 180_000);
});
