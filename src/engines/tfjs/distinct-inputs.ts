/**
 * A layer that reads the same tensor twice (a block's `concat(x, identity(x))`
 * folds into concat [x, x]) trips tfjs-layers' inference executor: it counts
 * the consumers of a tensor as a set of nodes, so that node counts once, but it
 * releases the tensor once per input, so the tensor can be disposed while
 * another layer still has to read it ("Cannot read properties of undefined
 * (reading 'backend')" from `model.predict`, depending on node order).
 *
 * Feeding every repeated input through a built-in Reshape to its own shape
 * makes the inputs distinct tensors. Reshape is exact (a new tensor on the same
 * data, reference-counted by tfjs-core, with an identity gradient), has no
 * weights, and serialises without custom classes, so the export's built-in
 * model can use it as well.
 */
import type { SymbolicTensor } from '@tensorflow/tfjs';
import type { Shape } from '../../search-space/index.js';
import type { Tfjs } from './tfjs-types.js';

/**
 * `inputs` with the second and later occurrences of a tensor replaced by an
 * identity reshape of it; `auxName` names each reshape layer.
 */
export function distinctInputs(
  tf: Tfjs,
  inputs: readonly SymbolicTensor[],
  shapes: readonly Shape[],
  auxName: (suffix: string) => string,
): SymbolicTensor[] {
  const seen = new Set<SymbolicTensor>();
  return inputs.map((input, i) => {
    if (!seen.has(input)) {
      seen.add(input);
      return input;
    }
    return tf.layers.reshape({ targetShape: [...shapes[i]!], name: auxName(`dup${i}`) }).apply(input) as SymbolicTensor;
  });
}
