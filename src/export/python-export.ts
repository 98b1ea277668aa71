/**
 * Runs the torch engine's export helper (src/engines/torch/export_model.py) in
 * the Python that has torch: state_dict files and ONNX come from PyTorch itself,
 * so what users load is what PyTorch wrote.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { TORCH_INSTALL_HINT, describeAttempts, findTorchPython } from '../engines/torch/python.js';
import { PACKAGE_ROOT } from './versions.js';

export const EXPORT_SCRIPT = path.join(PACKAGE_ROOT, 'src/engines/torch/export_model.py');

export interface PythonExportRequest {
  module: string;
  checkpoint?: string | null;
  stateDict?: string | null;
  onnx?: { path: string; opset: number } | null;
  seed?: number;
  /** Batches of NCHW floats to run through the module (tests compare consumers with these). */
  probe?: number[][] | null;
}

export interface PythonExportAnswer {
  params: number;
  torch: string;
  outputs: number[][];
}

export async function runPythonExport(request: PythonExportRequest, purpose: string): Promise<PythonExportAnswer> {
  const search = await findTorchPython();
  if (!search.found) {
    throw new BlockqnnError(
      ErrorCode.ENGINE_UNAVAILABLE,
      `${purpose} needs Python with PyTorch, and none was found (${describeAttempts(search.tried)})`,
      { hint: TORCH_INSTALL_HINT },
    );
  }
  const python = search.found.executable;
  return new Promise((resolve, reject) => {
    const child = execFile(python, ['-B', EXPORT_SCRIPT], { maxBuffer: 256 << 20, timeout: 600_000 }, (error, stdout, stderr) => {
      if (error) {
        const tail = stderr.trim().split('\n').slice(-6).join('\n');
        reject(
          new BlockqnnError(ErrorCode.INTERNAL, `${purpose} failed in PyTorch: ${tail || error.message}`, {
            cause: error,
            hint: 'the full traceback is above; report it with the architecture.json export',
          }),
        );
        return;
      }
      try {
        resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as PythonExportAnswer);
      } catch (cause) {
        reject(new BlockqnnError(ErrorCode.INTERNAL, `${purpose}: unexpected answer from ${EXPORT_SCRIPT}`, { cause }));
      }
    });
    child.stdin!.end(JSON.stringify(request));
  });
}
