/**
 * The tfjs format: a LayersModel (model.json + weights.bin) that plain
 * `@tensorflow/tfjs` loads with `tf.loadLayersModel` — no custom classes to
 * register — computing exactly what the IR means (PyTorch semantics). Built-in
 * layers are used only where they are exact:
 * - a conv with symmetric padding = ZeroPadding2D + a "valid" Conv2D / DepthwiseConv2D;
 * - an average pool counting the padding = ZeroPadding2D + a "valid" pool; one
 *   excluding it, and any max pool with padding, only where TF's "same" pads exactly as PyTorch;
 * - a transposed conv = a "valid" Conv2DTranspose + Cropping2D;
 * - batch norm with PyTorch's epsilon and momentum (tfjs's momentum is 1 - PyTorch's).
 * Anything else (instance norm, bilinear upsampling, zeros, grouped or strided
 * dilated convs, ...) is refused with an error naming the op and node. Input is
 * NHWC float images in [0, 1] (tfjs's layout); nodes that do not reach the output are left out.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LayersModel, SymbolicTensor, io, layers as tfLayers } from '@tensorflow/tfjs';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import type { CheckpointTensor } from '../engines/checkpoint.js';
import { NameClaims, type Tfjs, layerNameFor, loadTfjs } from '../engines/tfjs/index.js';
import { distinctInputs } from '../engines/tfjs/distinct-inputs.js';
import { pairOf, sameMatches } from '../engines/tfjs/geometry.js';
import { loadTorchState } from '../engines/tfjs/torch-weights.js';
import { generateTorchModule } from '../engines/torch/codegen.js';
import { type CheckedIr, INPUT_ID, type IrNode, type Shape, liveNodes } from '../search-space/index.js';
import type { Exporter } from './exporter.js';

export const TFJS_MODEL_FILE = 'model.json';
export const TFJS_WEIGHTS_FILE = 'weights.bin';

type Layer = tfLayers.Layer;

export function unsupportedOp(format: string, node: IrNode, why: string): BlockqnnError {
  return new BlockqnnError(ErrorCode.INVALID_INPUT, `unsupported op for the ${format} format: node "${node.id}" (${node.op}) ${why}`, {
    hint: `export this architecture as pytorch or onnx (they support every op), or as json`,
    details: { rule: 'unsupported-op', format, node: node.id, op: node.op },
  });
}

export interface BuiltinModel {
  model: LayersModel;
  /** IR node id → the layer that holds its weights (an owner's for a sharer). */
  layerNames: Map<string, string>;
  unusedNodes: string[];
}

/** Builds the IR from tfjs built-in layers only, or throws naming the first op that has no exact built-in equivalent. */
export function buildBuiltinModel(tf: Tfjs, checked: CheckedIr): BuiltinModel {
  const { ir, shapes } = checked;
  const live = liveNodes(ir);
  const names = new NameClaims();
  const values = new Map<string, SymbolicTensor>([[INPUT_ID, tf.input({ shape: [...ir.input.shape], name: names.claim(INPUT_ID) })]]);
  const weightLayers = new Map<string, Layer>();
  const layerNames = new Map<string, string>();
  const apply = (layer: Layer, x: SymbolicTensor | SymbolicTensor[]) => layer.apply(x) as SymbolicTensor;

  for (const node of ir.nodes) {
    if (!live.has(node.id)) continue;
    const name = names.claim(layerNameFor(node.id));
    const aux = (suffix: string) => names.claim(`${name}__${suffix}`);
    const inputShapes = node.inputs.map((id) => shapes.get(id)!) as Shape[];
    // A node reading one tensor twice breaks predict() in tfjs-layers (distinct-inputs.ts).
    const inputs = distinctInputs(
      tf,
      node.inputs.map((id) => values.get(id)!),
      inputShapes,
      aux,
    );
    const x = inputs[0]!;
    const fail = (why: string) => unsupportedOp('tfjs', node, why);
    const pad = (t: SymbolicTensor, p: [number, number]) =>
      p[0] === 0 && p[1] === 0
        ? t
        : apply(
            tf.layers.zeroPadding2d({
              padding: [
                [p[0], p[0]],
                [p[1], p[1]],
              ],
              name: aux('pad'),
            }),
            t,
          );
    /** The layer holding the node's weights: created once per owner, applied by every sharer. */
    const weighted = (make: (layerName: string) => Layer): Layer => {
      const ownerId = node.shareWeightsWith ?? node.id;
      let layer = weightLayers.get(ownerId);
      if (!layer) {
        layer = make(ownerId === node.id ? name : names.claim(layerNameFor(ownerId)));
        weightLayers.set(ownerId, layer);
        layerNames.set(ownerId, layer.name);
      }
      layerNames.set(node.id, layer.name);
      return layer;
    };
    let out: SymbolicTensor;
    switch (node.op) {
      case 'conv2d': {
        const channels = inputShapes[0]!.at(-1)!;
        const [k, s, p, d] = [pairOf(node.kernel), pairOf(node.stride), pairOf(node.padding), pairOf(node.dilation)];
        const dilated = d[0] > 1 || d[1] > 1;
        if (dilated && (s[0] > 1 || s[1] > 1)) throw fail('combines stride and dilation, which tfjs convolutions do not support');
        if (node.groups !== 1 && node.groups !== channels)
          throw fail(`has ${node.groups} groups over ${channels} channels; tfjs has only ordinary and depthwise convolutions`);
        const layer = weighted((layerName) => {
          const common = { kernelSize: k, strides: s, dilationRate: d, padding: 'valid' as const, useBias: node.bias, name: layerName };
          return node.groups === 1
            ? tf.layers.conv2d({ ...common, filters: node.filters })
            : tf.layers.depthwiseConv2d({ ...common, depthMultiplier: node.filters / channels });
        });
        out = apply(layer, pad(x, p));
        break;
      }
      case 'conv2dTranspose': {
        const [h, w] = inputShapes[0]! as [number, number, number];
        const [k, s, p, op] = [pairOf(node.kernel), pairOf(node.stride), pairOf(node.padding), pairOf(node.outputPadding)];
        // tfjs's "valid" transposed conv gives in·s + max(k - s, 0) rows; PyTorch's output starts p rows in.
        const full = (n: number, i: 0 | 1) => n * s[i] + Math.max(k[i] - s[i], 0);
        const torchOut = (n: number, i: 0 | 1) => (n - 1) * s[i] - 2 * p[i] + k[i] + op[i];
        const crop: [number, number] = [full(h, 0) - p[0] - torchOut(h, 0), full(w, 1) - p[1] - torchOut(w, 1)];
        if (crop[0] < 0 || crop[1] < 0) throw fail("has an output padding that reaches past what tfjs's Conv2DTranspose computes");
        const layer = weighted((layerName) =>
          tf.layers.conv2dTranspose({
            filters: node.filters,
            kernelSize: k,
            strides: s,
            padding: 'valid',
            useBias: node.bias,
            name: layerName,
          }),
        );
        out = apply(layer, x);
        if (p[0] > 0 || p[1] > 0 || crop[0] > 0 || crop[1] > 0)
          out = apply(
            tf.layers.cropping2D({
              cropping: [
                [p[0], crop[0]],
                [p[1], crop[1]],
              ],
              name: aux('crop'),
            }),
            out,
          );
        break;
      }
      case 'maxPool':
      case 'avgPool': {
        const [h, w] = inputShapes[0]! as [number, number, number];
        const [k, s, p] = [pairOf(node.kernel), pairOf(node.stride ?? node.kernel), pairOf(node.padding)];
        const make = node.op === 'maxPool' ? tf.layers.maxPooling2d : tf.layers.averagePooling2d;
        const padded = p[0] > 0 || p[1] > 0;
        if (!padded) out = apply(make({ poolSize: k, strides: s, padding: 'valid', name }), x);
        else if (node.op === 'avgPool' && node.countIncludePad)
          out = apply(make({ poolSize: k, strides: s, padding: 'valid', name }), pad(x, p));
        else if (sameMatches(h, k[0], s[0], p[0]) && sameMatches(w, k[1], s[1], p[1]))
          out = apply(make({ poolSize: k, strides: s, padding: 'same', name }), x);
        else
          throw fail(
            `pads ${p.join('x')} where TF's "same" padding differs from PyTorch's, and no built-in layer pads ${node.op === 'maxPool' ? 'with -inf' : 'without counting the padding'}`,
          );
        break;
      }
      case 'globalAvgPool':
        out = apply(tf.layers.globalAveragePooling2d({ name }), x);
        break;
      case 'globalMaxPool':
        out = apply(tf.layers.globalMaxPooling2d({ name }), x);
        break;
      case 'batchNorm': {
        const layer = weighted((layerName) =>
          tf.layers.batchNormalization({
            axis: -1,
            momentum: 1 - node.momentum,
            epsilon: node.epsilon,
            center: node.affine,
            scale: node.affine,
            name: layerName,
          }),
        );
        out = apply(layer, x);
        break;
      }
      case 'relu':
        out = apply(tf.layers.reLU({ name }), x);
        break;
      case 'leakyRelu':
        out = apply(tf.layers.leakyReLU({ alpha: node.alpha, name }), x);
        break;
      case 'sigmoid':
      case 'tanh':
        out = apply(tf.layers.activation({ activation: node.op, name }), x);
        break;
      case 'add':
        out = apply(tf.layers.add({ name }), inputs);
        break;
      case 'concat':
        out = apply(tf.layers.concatenate({ axis: -1, name }), inputs);
        break;
      case 'channelScale': {
        const channels = inputShapes[1]![0]!;
        out = apply(tf.layers.multiply({ name }), [
          x,
          apply(tf.layers.reshape({ targetShape: [1, 1, channels], name: aux('reshape') }), inputs[1]!),
        ]);
        break;
      }
      case 'dense': {
        const layer = weighted((layerName) => tf.layers.dense({ units: node.units, useBias: node.bias, name: layerName }));
        out = apply(layer, x);
        break;
      }
      case 'flatten':
        out = apply(
          inputShapes[0]!.length > 1 ? tf.layers.flatten({ name }) : tf.layers.reshape({ targetShape: [inputShapes[0]![0]!], name }),
          x,
        );
        break;
      case 'dropout':
        out = apply(tf.layers.dropout({ rate: node.rate, name }), x);
        break;
      case 'upsample':
        if (node.mode !== 'nearest') throw fail("is bilinear; tfjs's UpSampling2D samples without PyTorch's half-pixel centres");
        out = apply(tf.layers.upSampling2d({ size: [node.scale, node.scale], interpolation: 'nearest', name }), x);
        break;
      default:
        throw fail(
          node.op === 'instanceNorm' ? 'has no built-in tfjs layer (instance statistics per example)' : 'has no exact built-in tfjs layer',
        );
    }
    values.set(node.id, out);
  }
  const model = tf.model({ inputs: values.get(INPUT_ID)!, outputs: values.get(ir.output)!, name: layerNameFor(ir.name ?? 'blockqnn') });
  return { model, layerNames, unusedNodes: ir.nodes.filter((n) => !live.has(n.id)).map((n) => n.id) };
}

/** Checkpoint entries of submodules the built-in model has (nodes that do not reach the output are left out). */
export function liveTensors(
  checked: CheckedIr,
  built: BuiltinModel,
  tensors: ReadonlyMap<string, CheckpointTensor>,
): Map<string, CheckpointTensor> {
  const pythonNames = generateTorchModule(checked).names;
  const modules = new Set([...built.layerNames.keys()].map((id) => pythonNames.get(id)!));
  return new Map([...tensors].filter(([name]) => modules.has(name.slice(0, name.lastIndexOf('.')))));
}

/** model.json and weights.bin of a LayersModel, as tf.io's browser/file handlers write them. */
export async function saveLayersModel(tf: Tfjs, model: LayersModel, dir: string): Promise<void> {
  let saved: io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const artifacts = saved!;
  const data = artifacts.weightData;
  const bytes =
    data === undefined ? new Uint8Array(0) : Array.isArray(data) ? Buffer.concat(data.map((b) => new Uint8Array(b))) : new Uint8Array(data);
  const modelJson = {
    format: 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: 'blockqnn export',
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [`./${TFJS_WEIGHTS_FILE}`], weights: artifacts.weightSpecs ?? [] }],
  };
  await writeFile(path.join(dir, TFJS_MODEL_FILE), JSON.stringify(modelJson));
  await writeFile(path.join(dir, TFJS_WEIGHTS_FILE), bytes);
}

export const tfjsExporter: Exporter = {
  format: 'tfjs',
  description: `${TFJS_MODEL_FILE} + ${TFJS_WEIGHTS_FILE}: a LayersModel of built-in layers for tf.loadLayersModel (NHWC input)`,
  weights: 'optional',
  files: { [TFJS_MODEL_FILE]: 'tfjs LayersModel topology (tf.loadLayersModel)', [TFJS_WEIGHTS_FILE]: 'tfjs weights the model.json names' },
  async write(subject, dir) {
    const { tf } = await loadTfjs({ logger: () => undefined });
    const built = buildBuiltinModel(tf, subject.checked);
    try {
      if (subject.weights)
        loadTorchState(tf, subject.checked, built, liveTensors(subject.checked, built, subject.weights.checkpoint.tensors));
      await saveLayersModel(tf, built.model, dir);
    } finally {
      built.model.dispose();
    }
    return [TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE];
  },
};
