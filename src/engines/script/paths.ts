/**
 * Where the Python helper a trainer imports lives: src/engines/script/python in a
 * checkout and in the installed package alike (the .py files are read from src/, as
 * the torch engine's are; see ../torch/paths.ts). The worker puts this folder first
 * on the script's PYTHONPATH, so `import blockqnn_trial` needs no installation.
 */
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../torch/paths.js';

export const TRIAL_HELPER_DIR = join(PACKAGE_ROOT, 'src/engines/script/python');
