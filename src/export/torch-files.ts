/** The generated module and the subject's weights as files for the Python export helper. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeCheckpoint } from '../engines/checkpoint.js';
import { generateTorchModule } from '../engines/torch/codegen.js';
import type { ExportSubject } from './subject.js';

export const MODULE_FILE = 'network.py';

/** Writes network.py into `dir`, and the weights (if any) to a scratch file removed after `use`. */
export async function withTorchFiles<T>(
  subject: ExportSubject,
  dir: string,
  use: (files: { module: string; checkpoint: string | null }) => Promise<T>,
): Promise<T> {
  const module = path.join(dir, MODULE_FILE);
  await writeFile(module, generateTorchModule(subject.checked).source);
  if (!subject.weights) return use({ module, checkpoint: null });
  const scratch = await mkdtemp(path.join(tmpdir(), 'blockqnn-export-'));
  try {
    const checkpoint = path.join(scratch, 'weights.safetensors');
    const { tensors, metadata } = subject.weights.checkpoint;
    await writeFile(
      checkpoint,
      writeCheckpoint(
        [...tensors].map(([name, t]) => ({ name, ...t })),
        metadata,
      ),
    );
    return await use({ module, checkpoint });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
