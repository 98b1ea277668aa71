/**
 * The tfjs engine's weights ↔ the PyTorch `state_dict` of the module
 * `codegen.ts` generates for the same IR, both ways, so one checkpoint format
 * (`../checkpoint.ts`) serves both engines and every export.
 *
 * Names: `<python name of the owner node>.<weight|bias|running_mean|running_var|num_batches_tracked>`,
 * in the order PyTorch's `state_dict()` lists them (submodules in IR order,
 * parameters before buffers). A node with `shareWeightsWith` has no entries of
 * its own. Layouts (tfjs → PyTorch):
 * - conv kernel [kh, kw, in/groups, out] → weight [out, in/groups, kh, kw]
 *   (the engine's TorchConv2D and transposed-conv kernels use the same axes: a
 *   transposed conv's [kh, kw, out, in] becomes PyTorch's [in, out, kh, kw]);
 * - depthwise kernel [kh, kw, C, m] → weight [C·m, 1, kh, kw] (output c·m + j reads input c in both);
 * - dense kernel [in, out] → weight [out, in];
 * - detail-preserving pooling log_alpha/log_lambda as they are, Full-DPP's guide [g, g, C, 1] → [C, 1, g, g];
 * - batch norm gamma/beta/moving_mean/moving_variance → weight/bias/running_mean/running_var,
 *   plus num_batches_tracked (I64; tfjs does not count, the caller may say how many);
 *   without affine tfjs keeps a frozen gamma = 1, beta = 0 that PyTorch does not have.
 */
import type { LayerVariable, Tensor } from '@tensorflow/tfjs';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import type { CheckedIr, IrNode } from '../../search-space/index.js';
import type { CheckpointTensor, NamedCheckpointTensor } from '../checkpoint.js';
import { generateTorchModule } from '../torch/codegen.js';
import type { Tfjs } from './backend.js';
import type { CompiledIr } from './compile.js';

/** How one tfjs variable becomes one PyTorch tensor. */
interface Slot {
  /** The tfjs weight kind (last part of its name): kernel, depthwise_kernel, bias, gamma, beta, moving_mean, moving_variance. */
  readonly kind: string;
  readonly torchName: string;
  /** Axis permutation from the tfjs layout to PyTorch's (identity when absent). */
  readonly perm?: readonly number[];
  /** tfjs shape viewed before permuting (depthwise kernels merge C and m). */
  readonly view?: (shape: readonly number[]) => number[];
}

/** One node's entries: its tfjs layer and the slots in PyTorch order. */
interface NodeWeights {
  readonly node: IrNode;
  readonly module: string;
  readonly layer: string;
  readonly slots: readonly Slot[];
  /** Batch norm: PyTorch's num_batches_tracked buffer, which tfjs has no counterpart for. */
  readonly batchCounter: boolean;
}

const OIHW = [3, 2, 0, 1];

function nodeSlots(node: IrNode, kinds: readonly string[]): { slots: Slot[]; batchCounter: boolean } {
  const has = (kind: string) => kinds.includes(kind);
  switch (node.op) {
    case 'conv2d':
    case 'conv2dTranspose': {
      const kernel: Slot = has('depthwise_kernel')
        ? { kind: 'depthwise_kernel', torchName: 'weight', view: ([kh, kw, c, m]) => [kh!, kw!, c! * m!, 1], perm: [2, 3, 0, 1] }
        : { kind: 'kernel', torchName: 'weight', perm: OIHW };
      return { slots: [kernel, ...(node.bias ? [{ kind: 'bias', torchName: 'bias' }] : [])], batchCounter: false };
    }
    case 'dense':
      return {
        slots: [{ kind: 'kernel', torchName: 'weight', perm: [1, 0] }, ...(node.bias ? [{ kind: 'bias', torchName: 'bias' }] : [])],
        batchCounter: false,
      };
    case 'batchNorm':
      return {
        slots: [
          ...(node.affine
            ? [
                { kind: 'gamma', torchName: 'weight' },
                { kind: 'beta', torchName: 'bias' },
              ]
            : []),
          { kind: 'moving_mean', torchName: 'running_mean' },
          { kind: 'moving_variance', torchName: 'running_var' },
        ],
        batchCounter: true,
      };
    case 'dpp':
      // Detail-preserving pooling: per-channel log α and log λ; Full-DPP's guide is a depthwise 3×3 kernel [g, g, C, 1] → [C, 1, g, g].
      return {
        slots: [
          { kind: 'log_alpha', torchName: 'log_alpha' },
          { kind: 'log_lambda', torchName: 'log_lambda' },
          ...(has('guide') ? [{ kind: 'guide', torchName: 'guide', perm: [2, 3, 0, 1] }] : []),
        ],
        batchCounter: false,
      };
    case 'instanceNorm':
      return {
        slots: node.affine
          ? [
              { kind: 'gamma', torchName: 'weight' },
              { kind: 'beta', torchName: 'bias' },
            ]
          : [],
        batchCounter: false,
      };
    default:
      return { slots: [], batchCounter: false };
  }
}

const kindOf = (v: LayerVariable): string => v.originalName.split('/').at(-1)!;

/** The nodes that own weights, in PyTorch's state_dict order. */
function weightNodes(checked: CheckedIr, compiled: CompiledIr): NodeWeights[] {
  const names = generateTorchModule(checked).names;
  const out: NodeWeights[] = [];
  for (const node of checked.ir.nodes) {
    if (node.shareWeightsWith !== undefined) continue;
    const layerName = compiled.layerNames.get(node.id);
    if (layerName === undefined) continue;
    const layer = compiled.model.getLayer(layerName);
    if (layer.weights.length === 0) continue;
    const kinds = layer.weights.map(kindOf);
    const { slots, batchCounter } = nodeSlots(node, kinds);
    // A frozen non-affine batch norm's gamma/beta have no PyTorch counterpart; any other weight without a slot is an op this map does not know yet.
    const ignored = node.op === 'batchNorm' && !node.affine ? ['gamma', 'beta'] : [];
    const unmapped = kinds.filter((k) => !ignored.includes(k) && !slots.some((s) => s.kind === k));
    if (unmapped.length > 0) {
      throw new BlockqnnError(
        ErrorCode.INTERNAL,
        `no PyTorch state_dict mapping for the ${unmapped.join(', ')} weight(s) of node "${node.id}" (${node.op})`,
        {
          hint: 'add the op to src/engines/tfjs/torch-weights.ts',
          details: { node: node.id, op: node.op },
        },
      );
    }
    out.push({ node, module: names.get(node.id)!, layer: layerName, slots, batchCounter });
  }
  return out;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Transposes C-order `data` of `shape` by `perm`; `inverse` goes the other way (from the permuted layout back). */
function permute(data: Float32Array, shape: readonly number[], perm: readonly number[], inverse = false): Float32Array {
  const outShape = perm.map((p) => shape[p]!);
  const strides = shape.map((_, i) => size(shape.slice(i + 1)));
  const out = new Float32Array(data.length);
  const index = new Array<number>(perm.length).fill(0);
  for (let o = 0; o < data.length; o++) {
    let src = 0;
    for (let d = 0; d < perm.length; d++) src += index[d]! * strides[perm[d]!]!;
    if (inverse) out[src] = data[o]!;
    else out[o] = data[src]!;
    for (let d = outShape.length - 1; d >= 0; d--) {
      if (++index[d]! < outShape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

function variableOf(layerVars: readonly LayerVariable[], kind: string, where: string): LayerVariable {
  const v = layerVars.find((w) => kindOf(w) === kind);
  if (!v)
    throw new BlockqnnError(ErrorCode.INTERNAL, `tfjs layer ${where} has no "${kind}" weight (it has ${layerVars.map(kindOf).join(', ')})`);
  return v;
}

export interface TorchStateOptions {
  /** Value of every batch norm's num_batches_tracked (the training steps taken); default 0. */
  batchesTracked?: number;
}

/**
 * The compiled model's weights as a PyTorch state_dict of the generated module,
 * ready for `writeCheckpoint`.
 *
 * @example
 * const compiled = compileIr(tf, checked);
 * const bytes = writeCheckpoint(tfjsToTorchState(checked, compiled), checkpointMetadata({ engine: 'tfjs', params, ir: checked.ir }));
 */
export function tfjsToTorchState(checked: CheckedIr, compiled: CompiledIr, options: TorchStateOptions = {}): NamedCheckpointTensor[] {
  const out: NamedCheckpointTensor[] = [];
  for (const entry of weightNodes(checked, compiled)) {
    const vars = compiled.model.getLayer(entry.layer).weights;
    for (const slot of entry.slots) {
      const v = variableOf(vars, slot.kind, entry.layer);
      const data = v.read().dataSync() as Float32Array;
      const shape = (slot.view ? slot.view(v.shape as number[]) : (v.shape as number[])).slice();
      const perm = slot.perm ?? shape.map((_, i) => i);
      out.push({
        name: `${entry.module}.${slot.torchName}`,
        dtype: 'F32',
        shape: perm.map((p) => shape[p]!),
        data: slot.perm ? permute(data, shape, perm) : Float32Array.from(data),
      });
    }
    if (entry.batchCounter)
      out.push({
        name: `${entry.module}.num_batches_tracked`,
        dtype: 'I64',
        shape: [],
        data: BigInt64Array.from([BigInt(options.batchesTracked ?? 0)]),
      });
  }
  return out;
}

/** Names and shapes the generated module's state_dict has, in order (for checks before loading anywhere). */
export function torchStateLayout(checked: CheckedIr, compiled: CompiledIr): { name: string; dtype: 'F32' | 'I64'; shape: number[] }[] {
  return tfjsToTorchState(checked, compiled).map(({ name, dtype, shape }) => ({ name, dtype, shape: [...shape] }));
}

const mismatch = (message: string) =>
  new BlockqnnError(ErrorCode.INVALID_INPUT, `checkpoint does not fit the network: ${message}`, {
    hint: 'use the checkpoint trained for this candidate (its IR digest must match)',
  });

/**
 * Loads a PyTorch state_dict (e.g. a checkpoint's tensors) into the compiled
 * model, strictly like `load_state_dict`: every entry must be there with its
 * shape, and no other. num_batches_tracked is checked and otherwise ignored.
 */
export function loadTorchState(tf: Tfjs, checked: CheckedIr, compiled: CompiledIr, tensors: ReadonlyMap<string, CheckpointTensor>): void {
  const expected = new Set<string>();
  const assignments: [LayerVariable, Tensor][] = [];
  try {
    for (const entry of weightNodes(checked, compiled)) {
      const vars = compiled.model.getLayer(entry.layer).weights;
      for (const slot of entry.slots) {
        const name = `${entry.module}.${slot.torchName}`;
        expected.add(name);
        const t = tensors.get(name);
        if (!t) throw mismatch(`"${name}" is missing`);
        const v = variableOf(vars, slot.kind, entry.layer);
        const shape = slot.view ? slot.view(v.shape as number[]) : (v.shape as number[]);
        const perm = slot.perm ?? shape.map((_, i) => i);
        const torchShape = perm.map((p) => shape[p]!);
        if (t.dtype !== 'F32' || t.shape.length !== torchShape.length || t.shape.some((d, i) => d !== torchShape[i])) {
          throw mismatch(`"${name}" is ${t.dtype} [${t.shape.join(', ')}], the network needs F32 [${torchShape.join(', ')}]`);
        }
        const data = slot.perm ? permute(t.data as Float32Array, shape, perm, true) : (t.data as Float32Array);
        assignments.push([v, tf.tensor(data, v.shape as number[], 'float32')]);
      }
      if (entry.batchCounter) {
        const name = `${entry.module}.num_batches_tracked`;
        expected.add(name);
        const t = tensors.get(name);
        if (!t) throw mismatch(`"${name}" is missing`);
        if (t.dtype !== 'I64' || t.shape.length !== 0)
          throw mismatch(`"${name}" is ${t.dtype} [${t.shape.join(', ')}], the network needs an I64 scalar`);
      }
    }
    const extra = [...tensors.keys()].filter((name) => !expected.has(name));
    if (extra.length > 0)
      throw mismatch(
        `unexpected entries ${extra
          .slice(0, 5)
          .map((n) => `"${n}"`)
          .join(', ')}${extra.length > 5 ? ` and ${extra.length - 5} more` : ''}`,
      );
    for (const [v, value] of assignments) v.write(value);
  } finally {
    for (const [, value] of assignments) value.dispose();
  }
}
