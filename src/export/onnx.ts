/**
 * The onnx format: model.onnx from torch.onnx.export of the generated module
 * (opset 13, input "input" NCHW float images in [0, 1] with a dynamic batch
 * axis, output "output"), with the trained weights when there are some, else
 * PyTorch's default initialisation (seeded with the run's seed).
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Exporter } from './exporter.js';
import { runPythonExport } from './python-export.js';
import { withTorchFiles } from './torch-files.js';

export const ONNX_FILE = 'model.onnx';
export const ONNX_OPSET = 13;

export const onnxExporter: Exporter = {
  format: 'onnx',
  description: `${ONNX_FILE}: ONNX opset ${ONNX_OPSET} through torch.onnx.export, dynamic batch size, NCHW input`,
  weights: 'optional',
  files: { [ONNX_FILE]: `ONNX graph with its weights (opset ${ONNX_OPSET}, NCHW input, dynamic batch)` },
  async write(subject, dir) {
    await withTorchFiles(subject, dir, async (files) => {
      await runPythonExport(
        {
          module: files.module,
          checkpoint: files.checkpoint,
          onnx: { path: path.join(dir, ONNX_FILE), opset: ONNX_OPSET },
          seed: subject.run.seed,
        },
        'exporting ONNX',
      );
      // The module was only the exporter's input.
      await rm(files.module);
    });
    return [ONNX_FILE];
  },
};
