/**
 * Where the Python side of the torch engine lives. tsc copies no .py files, so
 * they are read from the package's src/ folder in both layouts: this module is
 * src/engines/torch/paths.ts or dist/engines/torch/paths.js, three levels below
 * the package root either way (npm packs src/: package.json has no `files` list).
 */
import { fileURLToPath } from 'node:url';

const packageRoot = new URL('../../../', import.meta.url);

const inPackage = (relative: string): string => fileURLToPath(new URL(relative, packageRoot));

/** The trainer process (JSON-lines protocol on stdin/stdout). */
export const TRAINER_SCRIPT = inPackage('src/engines/torch/trainer.py');

/** The plain hand-written training loop `bench engines` compares against. */
export const PLAIN_LOOP_SCRIPT = inPackage('src/engines/torch/plain_loop.py');

/** The safetensors writer/reader of final trainings; as a script it loads a checkpoint into a generated module. */
export const CHECKPOINT_SCRIPT = inPackage('src/engines/torch/checkpoint_file.py');

/** The package root, for messages and benchmarks. */
export const PACKAGE_ROOT = inPackage('.');
