/**
 * Network IR → a trainable tfjs LayersModel (functional API).
 *
 * - Every IR node becomes one named layer (plus unnamed-in-the-IR helpers such as
 *   a zero-padding layer, named `<node>__pad`), so weights map back to IR ids.
 * - A node with `shareWeightsWith` applies its owner's layer object: tfjs shares
 *   the variables and counts them once, as the IR does.
 * - Nodes that do not reach the output are kept (their parameters count in the IR)
 *   through a pass-through layer at the output; see KeepAlive.
 * - The output is the IR output as is: logits for a classifier. Train with
 *   `softmaxCrossEntropy(tf)` or append a softmax yourself.
 */
import type { LayersModel, SymbolicTensor, Tensor, layers as tfLayers } from '@tensorflow/tfjs';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { type CheckedIr, INPUT_ID, liveNodes } from '../../search-space/index.js';
import type { Tfjs } from './backend.js';
import { customLayers } from './custom-layers.js';
import { distinctInputs } from './distinct-inputs.js';
import { buildNode } from './node-layers.js';

export interface CompileOptions {
  /** Model name; default: the IR's name, sanitised, or "blockqnn". */
  name?: string;
  /**
   * Seed of the random initialisers (a job's seed): each layer's is this mixed
   * with the layer's name, so the same seed gives the same initial weights and
   * layers of the same shape still differ. Absent: tfjs's unseeded defaults.
   */
  seed?: number | undefined;
}

/** A layer's initialiser seed from the job's seed and its name (FNV-1a); never 0, which tfjs reads as "unseeded". */
export function layerSeed(seed: number, layerName: string): number {
  let hash = 0x811c9dc5;
  for (const ch of `${seed}:${layerName}`) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return (hash % 2147483646) + 1;
}

export interface CompiledIr {
  readonly model: LayersModel;
  /** IR node id → name of the layer that computes it (for a sharer: the owner's layer). */
  readonly layerNames: ReadonlyMap<string, string>;
  /** Nodes that do not reach the output but are kept so their parameters exist. */
  readonly unusedNodes: readonly string[];
}

/**
 * A tfjs layer name for an IR id: tfjs names must start with a letter or digit and
 * use only letters, digits, `.`, `_`, `-` (and `/`, which weight names use as a
 * separator, so it becomes `.`).
 */
export function layerNameFor(id: string): string {
  const name = id.replace(/[^A-Za-z0-9._-]/g, '.');
  return /^[A-Za-z0-9]/.test(name) ? name : `n${name}`;
}

/** Hands out unique names in a deterministic order, suffixing `_2`, `_3`... on collisions. */
export class NameClaims {
  private readonly used = new Set<string>();

  claim(base: string): string {
    let name = base;
    for (let i = 2; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }
}

/**
 * Compiles a checked IR into a tfjs model whose output shape is the IR's inferred
 * shape and whose trainable parameters equal `networkCost(checked).params`.
 *
 * @example
 * const { tf } = await loadTfjs();
 * const { model } = compileIr(tf, assembleNetwork(PAPER_BLOCKS.resnet, { inputShape: [32, 32, 3] }));
 * model.compile({ optimizer: tf.train.adam(1e-3), loss: softmaxCrossEntropy(tf) });
 */
export function compileIr(tf: Tfjs, checked: CheckedIr, options: CompileOptions = {}): CompiledIr {
  const custom = customLayers(tf);
  const { ir, shapes } = checked;
  const names = new NameClaims();
  const values = new Map<string, SymbolicTensor>();
  values.set(INPUT_ID, tf.input({ shape: [...ir.input.shape], name: names.claim(INPUT_ID) }));
  const owners = new Set(ir.nodes.flatMap((n) => (n.shareWeightsWith === undefined ? [] : [n.shareWeightsWith])));
  const weightLayers = new Map<string, tfLayers.Layer>();
  const layerNames = new Map<string, string>();

  for (const node of ir.nodes) {
    const name = names.claim(layerNameFor(node.id));
    const shared = node.shareWeightsWith === undefined ? undefined : weightLayers.get(node.shareWeightsWith);
    const auxName = (suffix: string) => names.claim(`${name}__${suffix}`);
    try {
      const { output, weights } = buildNode(
        {
          tf,
          custom,
          name,
          shared,
          inputs: distinctInputs(
            tf,
            node.inputs.map((id) => values.get(id)!),
            node.inputs.map((id) => shapes.get(id)!),
            auxName,
          ),
          inputShapes: node.inputs.map((id) => shapes.get(id)!),
          auxName,
          sizeIndependent: owners.has(node.id) || node.shareWeightsWith !== undefined,
          seed: options.seed === undefined ? undefined : layerSeed(options.seed, name),
        },
        node,
      );
      values.set(node.id, output);
      if (weights) weightLayers.set(node.id, weights);
      layerNames.set(node.id, weights?.name ?? name);
    } catch (error) {
      // checkIr accepted the node, so a failure here is an engine gap, not a bad architecture.
      throw new BlockqnnError(
        ErrorCode.INTERNAL,
        `tfjs engine cannot compile node "${node.id}" (${node.op}): ${error instanceof Error ? error.message : String(error)}`,
        {
          hint: 'report this with the IR; the torch engine may run it meanwhile',
          details: { node: node.id, op: node.op },
          cause: error,
        },
      );
    }
  }

  const live = liveNodes(checked.ir);
  const consumed = new Set(ir.nodes.flatMap((n) => n.inputs));
  const unusedNodes = ir.nodes.filter((n) => !live.has(n.id)).map((n) => n.id);
  // Only the ends of unused branches need anchoring; their inputs come along.
  const unusedEnds = unusedNodes.filter((id) => !consumed.has(id));
  let output = values.get(ir.output)!;
  if (unusedEnds.length > 0) {
    const keep = new custom.KeepAlive({ name: names.claim(`${layerNameFor(ir.output)}__keep`) });
    output = keep.apply([output, ...unusedEnds.map((id) => values.get(id)!)]) as SymbolicTensor;
  }
  const modelName = options.name ?? layerNameFor(ir.name ?? 'blockqnn');
  const model = tf.model({ inputs: values.get(INPUT_ID)!, outputs: output, name: modelName });
  return { model, layerNames, unusedNodes };
}

/** Trainable parameters of a model; batch-norm moving statistics are not trainable, as in the IR. */
export function trainableParams(model: LayersModel): number {
  return model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
}

/**
 * Categorical cross-entropy on logits (the compiled model's output), averaged over
 * the batch: PyTorch's nn.CrossEntropyLoss with one-hot targets.
 */
export function softmaxCrossEntropy(tf: Tfjs): (labels: Tensor, logits: Tensor) => Tensor {
  return (labels: Tensor, logits: Tensor) => tf.losses.softmaxCrossEntropy(labels, logits);
}
