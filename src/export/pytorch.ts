/**
 * The pytorch format: network.py, the standalone module codegen.ts generates
 * (only torch imported; `Network()` takes NCHW images in [0, 1]), and
 * state_dict.pt — written by torch.save from the trained weights — when there
 * are some: `net = Network(); net.load_state_dict(torch.load("state_dict.pt"))`.
 */
import path from 'node:path';
import type { Exporter } from './exporter.js';
import { runPythonExport } from './python-export.js';
import { MODULE_FILE, withTorchFiles } from './torch-files.js';

export const STATE_DICT_FILE = 'state_dict.pt';

export const pytorchExporter: Exporter = {
  format: 'pytorch',
  description: `${MODULE_FILE} (the generated PyTorch module) and ${STATE_DICT_FILE} (torch.save'd state_dict) when trained weights exist`,
  weights: 'optional',
  files: {
    [MODULE_FILE]: 'PyTorch module source (import it, or run it to check shapes)',
    [STATE_DICT_FILE]: "trained weights: torch.save'd state_dict for the module",
  },
  async write(subject, dir) {
    if (!subject.weights) {
      await withTorchFiles(subject, dir, async () => undefined);
      return [MODULE_FILE];
    }
    await withTorchFiles(subject, dir, (files) =>
      runPythonExport(
        { module: files.module, checkpoint: files.checkpoint, stateDict: path.join(dir, STATE_DICT_FILE) },
        'writing the PyTorch state_dict',
      ),
    );
    return [MODULE_FILE, STATE_DICT_FILE];
  },
};
