/**
 * A classification job's network and data, checked against each other: the engines
 * that train in a Python child (torch, script) read the decoded-dataset cache, so
 * the network must take the dataset's images, output one logit per class, and the
 * dataset must have a cache file.
 */
import { BlockqnnError, ErrorCode, InvalidArchitectureError } from '../common/errors.js';
import { type Dataset, loadDataset } from '../datasets/index.js';
import { type CheckedIr, parseIr } from '../search-space/index.js';
import type { ClassificationTask } from '../task/task.js';

export interface ClassifierData {
  checked: CheckedIr;
  data: Dataset & { cachePath: string };
}

export async function loadClassifierData(ir: unknown, task: ClassificationTask, engine: string): Promise<ClassifierData> {
  const checked = parseIr(ir);
  const data = await loadDataset(task.dataset);
  const [h, w, c] = checked.ir.input.shape;
  if (h !== data.shape[0] || w !== data.shape[1] || c !== data.shape[2]) {
    throw new InvalidArchitectureError(
      `the network expects [${h}, ${w}, ${c}] images but dataset ${data.name} has [${data.shape.join(', ')}]`,
    );
  }
  const out = checked.shapes.get(checked.ir.output)!;
  if (out.length !== 1 || out[0] !== data.classes.length) {
    throw new InvalidArchitectureError(
      `the network's output is [${out.join(', ')}] but dataset ${data.name} has ${data.classes.length} classes: a classifier must output [${data.classes.length}] logits`,
    );
  }
  if (data.cachePath === undefined) {
    throw new BlockqnnError(
      ErrorCode.IO_ERROR,
      `the ${engine} engine reads datasets from the decoded-dataset cache, but ${data.name} could not be cached`,
      {
        hint: 'set BLOCKQNN_CACHE_DIR to a writable directory',
      },
    );
  }
  return { checked, data: data as Dataset & { cachePath: string } };
}
